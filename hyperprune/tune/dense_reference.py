"""The dense reference and its noise floor: trained once per (model, data, training config, seed), cached.

The reference's validation loss and Lyapunov spectrum at every epoch are what candidates are
compared with; it starts from the same weights and sees the same data as every candidate (the
master seed). The *noise floor* is a second dense network that differs from the reference in
its initial weights alone, trained up to the search's last rung: its distance to the
reference at each epoch is the part of a score that a different initialisation alone produces,
the scale below which two candidates cannot be told apart.

The cache key is the hash of the run spec without the epoch budget (training a dense network
does not depend on it) plus the seed; cached runs with fewer epochs than needed are continued
from their checkpoints, never retrained. Training runs on Ray workers, so that on a cluster it
lands on workers (GPU ones when asked): one run alone as a task; the reference and the noise
floor one after the other in a single worker (:class:`DenseRunsInTurn`), which leaves every
other worker to the candidates from the start.

Cache layout: ``CACHE/dense-<hash>/reference.json`` + ``run.pt`` and ``noise.json`` + ``noise.pt``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import time
from pathlib import Path

from hyperprune.config import RunSpec, spec_to_dict, stable_hash

#: the init seed of the noise-floor network is derived from the master seed with this label
NOISE_LABEL = "noise-floor"
#: the resource only Ray's head node has
HEAD_NODE = "node:__internal_head__"


def default_cache_dir() -> Path:
    return Path(os.environ.get("HYPERPRUNE_CACHE", Path.home() / ".cache" / "hyperprune"))


def _budget_free(spec: RunSpec) -> RunSpec:
    """The spec with its epoch budget fixed: a dense run does not depend on it."""
    return dataclasses.replace(spec, train=dataclasses.replace(spec.train, epochs=1))


def reference_key(spec: RunSpec, seed: int) -> str:
    spec_dict = spec_to_dict(_budget_free(spec))
    spec_dict["train"].pop("threads", None)
    spec_dict["train"].pop("epochs", None)
    return stable_hash({"spec": spec_dict, "seed": seed})


def noise_init_seed(seed: int) -> int:
    return int(stable_hash({"seed": int(seed), "stream": NOISE_LABEL}, 8), 16) % (2**31 - 1)


def train_dense(spec_dict: dict, seed: int, epochs: int, ls_seed: int, state: bytes | None,
                with_ls: bool, device: str = "cpu", init_seed: int | None = None,
                feed=None, name: str = "reference", final: bool = True) -> tuple[dict, bytes]:
    """Train (or continue) a dense run to ``epochs``; returns (per-epoch record, checkpoint bytes).

    ``init_seed`` (the noise floor) changes the initial weights only. With a ``feed``
    (:class:`~trainables.reference_feed.ReferenceFeed`) the record is published under ``name``
    after every epoch, and an error before the end is published too; ``final`` False: more of
    the same run follows (the feed does not mark it ended, the test split waits for the end).
    """
    try:
        return _train_dense(spec_dict, seed, epochs, ls_seed, state, with_ls, device, init_seed, feed, name, final)
    except Exception as exc:
        if feed is not None:
            feed.fail.remote(name, f"{type(exc).__name__}: {exc}")
        raise


def _train_dense(spec_dict, seed, epochs, ls_seed, state, with_ls, device, init_seed, feed, name, final):
    import torch

    from hyperprune.config import spec_from_dict
    from hyperprune.lyapunov.probe import LSProbe
    from hyperprune.training.checkpoint import load_safe_bytes
    from hyperprune.training.run import TrainingRun

    spec = spec_from_dict(spec_dict)
    run = TrainingRun(spec, method="dense", seed=seed, total_epochs=max(epochs, 1), device=device,
                      prune_by=1, init_seed=init_seed)
    record = {"epochs": [], "val_loss": [], "val_metric": [], "ls": []}
    publish = (lambda done=False: feed.publish.remote(name, record, done)) if feed is not None else (
        lambda done=False: None)
    if state is not None:
        saved = load_safe_bytes(state)
        record = saved["record"]
        run.load_state_dict(saved["run"])
    if with_ls:
        run.attach_probe(LSProbe.for_run(run, ls_seed))
        record["ls_epoch0"] = list(run.ls_epoch0)
    publish()
    while run.epoch < epochs:
        started = time.perf_counter()
        metrics = run.train_epoch()
        record["epochs"].append(metrics["epoch"])
        record["val_loss"].append(metrics["val_loss"])
        record["val_metric"].append(metrics.get("val_ppl", metrics.get("val_acc")))
        record["ls"].append(metrics["ls"] if with_ls else None)
        record.setdefault("seconds", []).append(time.perf_counter() - started)  # training, evaluation, LS
        publish()
    publish(done=final)
    if final and init_seed is None and ("test" not in record or run.epoch > record.get("test_epoch", 0)):
        record["test"] = run.evaluate("test")
        record["test_epoch"] = run.epoch
    buffer = io.BytesIO()
    torch.save({"record": record, "run": run.state_dict()}, buffer)
    return record, buffer.getvalue()


def noise_floor(reference: dict, noise: dict | None, variant: str = "l2") -> dict:
    """Per reference epoch: the noise network's LS distance and |loss difference| to the reference.

    Returns ``{"ls_distance": [...], "val_loss_diff": [...]}``, lists aligned with the reference's
    epochs; None where the noise network was not trained that far (or has no spectra).
    """
    from hyperprune.lyapunov.distance import spectrum_gap

    epochs = list(reference.get("epochs") or [])
    ls_floor: list[float | None] = [None] * len(epochs)
    loss_floor: list[float | None] = [None] * len(epochs)
    if not noise:
        return {"ls_distance": ls_floor, "val_loss_diff": loss_floor}
    trained = {int(e): i for i, e in enumerate(noise.get("epochs") or [])}
    for i, epoch in enumerate(epochs):
        j = trained.get(int(epoch))
        if j is None:
            continue
        a, b = noise["val_loss"][j], reference["val_loss"][i]
        loss_floor[i] = abs(a - b) if math.isfinite(a) and math.isfinite(b) else None
        if reference.get("ls_epoch0") and noise.get("ls_epoch0") and noise["ls"][j]:
            mine = [noise["ls_epoch0"], *noise["ls"][: j + 1]]
            theirs = [reference["ls_epoch0"], *reference["ls"][: i + 1]]
            ls_floor[i] = spectrum_gap(variant, mine, theirs)
    return {"ls_distance": ls_floor, "val_loss_diff": loss_floor}


@dataclasses.dataclass
class DenseReference:
    key: str
    record: dict
    noise: dict | None = None

    @property
    def epochs(self) -> int:
        return len(self.record["epochs"])

    @property
    def noise_epochs(self) -> int:
        return len((self.noise or {}).get("epochs") or [])

    def for_trials(self) -> dict:
        """What candidates need: epoch -> spectrum (epoch 0 included) and epoch -> validation loss."""
        from trainables.reference_feed import reference_by_epoch

        return reference_by_epoch(self.record)


class _CachedRun:
    """One cached dense run (a JSON record and a checkpoint) in a reference's cache folder."""

    def __init__(self, folder: Path, record_name: str, state_name: str) -> None:
        self.json_path = folder / record_name
        self.state_path = folder / state_name
        self.record: dict | None = None
        self.state: bytes | None = None
        if self.json_path.is_file() and self.state_path.is_file():
            self.record = json.loads(self.json_path.read_text())

    def trained(self) -> int:
        return len(self.record["epochs"]) if self.record else 0

    def needs(self, epochs: int) -> bool:
        if self.trained() >= epochs:
            return False
        self.state = self.state_path.read_bytes() if self.record else None
        return True

    def store(self, record: dict, state: bytes) -> None:
        from hyperprune.files import write_bytes, write_json

        self.json_path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(self.state_path, state)
        write_json(self.json_path, record)
        self.record = record


class ReferenceTraining:
    """The dense reference and its noise floor, started on Ray workers and not yet awaited.

    What the cache already holds is known at once (:meth:`known`); the rest reaches candidates
    through the :class:`~trainables.reference_feed.ReferenceFeed` while they train. Each task's
    result is stored in the cache as soon as it arrives (:meth:`harvest`, called by the driver
    between Tune steps), so a search killed later does not train it again. :meth:`result`
    waits for both and returns the :class:`DenseReference`.
    """

    def __init__(self, key: str, runs: dict, epochs: int, noise_epochs: int, feed, pending: dict,
                 worker=None) -> None:
        self.key = key
        self.runs = runs  # name -> _CachedRun
        self.epochs = epochs
        self.noise_epochs = noise_epochs
        self.feed = feed
        self.pending = pending  # ObjectRef of a train_dense call -> the name of its run
        self.worker = worker  # the actor that trains them in turn, if they need it
        self.error: BaseException | None = None

    def known(self) -> dict:
        """The reference by epoch as far as it was cached when the search started."""
        from trainables.reference_feed import reference_by_epoch

        record = self.runs["reference"].record
        return reference_by_epoch(first_epochs(record, self.epochs) if record else None)

    def harvest(self, timeout: float | None = 0.0) -> None:
        """Store every finished task's result in the cache (waiting up to ``timeout`` s; None: all)."""
        import ray

        while self.pending:
            ready, _ = ray.wait(list(self.pending), num_returns=1, timeout=timeout)
            if not ready:
                return
            name = self.pending.pop(ready[0])
            try:
                record, state = ray.get(ready[0])
            except Exception as exc:  # candidates waiting for it learn why; result() raises it
                self.feed.fail.remote(name, f"{type(exc).__name__}: {exc}")
                self.error = self.error or exc
                continue
            if len(record["epochs"]) >= self.runs[name].trained():  # never a shorter part over a longer
                self.runs[name].store(record, state)
        self._release_worker()

    def _release_worker(self) -> None:
        """Hand the dense runs' worker back to the candidates once it has nothing left to train."""
        import ray

        if self.worker is not None and not self.pending:
            ray.kill(self.worker)
            self.worker = None

    def partial(self, name: str) -> dict | None:
        """The latest published record of ``name`` (cached or still training)."""
        import ray

        if name not in self.pending.values():
            return self.runs[name].record
        record, _, _ = ray.get(self.feed.read.remote(name), timeout=10)
        return record or self.runs[name].record

    def result(self) -> DenseReference:
        self.harvest(timeout=None)
        if self.error is not None:
            raise self.error
        reference, noise = self.runs["reference"], self.runs["noise floor"]
        return DenseReference(self.key, first_epochs(reference.record, self.epochs),
                              noise.record if self.noise_epochs > 0 else None)


def start_reference(spec: RunSpec, *, seed: int, epochs: int, with_ls: bool, cache_dir: Path,
                    resources: dict, noise_epochs: int = 0, log=print) -> ReferenceTraining:
    """Start training (or extending) the cached dense reference and noise floor on Ray workers."""
    import ray

    from trainables.reference_feed import ReferenceFeed

    key = reference_key(spec, seed)
    folder = Path(cache_dir) / f"dense-{key}"
    runs = {"reference": (_CachedRun(folder, "reference.json", "run.pt"), epochs, None),
            "noise floor": (_CachedRun(folder, "noise.json", "noise.pt"), noise_epochs, noise_init_seed(seed))}
    needed = [name for name, (cached, wanted, _) in runs.items() if wanted > 0 and cached.trained() < wanted]
    worker = None
    if len(needed) > 1:  # one worker trains them in turn (see DenseRunsInTurn)
        worker = ray.remote(DenseRunsInTurn).options(**_resources(resources)).remote()
        submit = worker.train.remote
    else:
        submit = ray.remote(train_dense).options(**_resources(resources)).remote
    device = "cuda" if resources.get("gpu", 0) else "cpu"
    spec_dict = spec_to_dict(_budget_free(spec))
    # on the head node: a worker node that leaves the cluster must not take the feed with it
    feed = ReferenceFeed.options(resources={HEAD_NODE: 0.001}).remote(
        {name: cached.record for name, (cached, _, _) in runs.items()})
    pending = {}
    for name, (cached, wanted, _) in runs.items():
        if wanted <= 0 or not cached.needs(wanted):
            if wanted > 0:
                log(f"dense {name} {key}: cached ({cached.trained()} epochs) in {folder}")
            feed.publish.remote(name, cached.record, True)
            continue
        log(f"dense {name} {key}: training epochs {cached.trained() + 1}-{wanted}")
    for name, upto, own_state in _turns(runs, needed):
        cached, _, init_seed = runs[name]
        state = None if own_state else cached.state
        args = (spec_dict, seed, upto, seed, state, with_ls, device, init_seed, feed, name)
        final = upto >= runs[name][1]
        pending[submit(*args, own_state=own_state, final=final) if worker is not None else submit(*args)] = name
    return ReferenceTraining(key, {name: cached for name, (cached, _, _) in runs.items()}, epochs,
                             noise_epochs, feed, pending, worker=worker)


def _turns(runs: dict, needed: list[str]) -> list[tuple[str, int, bool]]:
    """The training calls, in order: ``(run, up to epoch, continue the worker's own state)``.

    Alone, a run trains in one call. In turn, the reference trains up to the last rung (the
    candidates compare with it there), then the noise floor (the rungs' progress lines show it),
    then the reference's last epochs (only the finalists' last epochs read them)."""
    if len(needed) < 2:
        return [(name, runs[name][1], False) for name in needed]
    (reference, epochs, _), (_, rungs, _) = runs["reference"], runs["noise floor"]
    if reference.trained() < rungs < epochs:
        return [("reference", rungs, False), ("noise floor", rungs, False), ("reference", epochs, True)]
    return [("reference", epochs, False), ("noise floor", rungs, False)]


def _resources(resources: dict) -> dict:
    return {"num_cpus": resources.get("cpu", 1), "num_gpus": resources.get("gpu", 0)}


class DenseRunsInTurn:
    """One worker (a Ray actor holding one candidate's resources) that trains dense runs one
    after the other, in the order they are asked for, each result returned as it ends.

    The reference and the noise floor take one worker between them instead of two: the
    candidates start at once on the others, and the pool's first rung is not held up by two
    long runs that cannot be split. The driver ends it once every call's result is stored.
    """

    def __init__(self) -> None:
        self.states: dict[str, bytes] = {}  # name -> the checkpoint of its last call

    def train(self, *args, own_state: bool = False, final: bool = True) -> tuple[dict, bytes]:
        """:func:`train_dense`; ``own_state``: continue from where this worker's last call on the
        same run ended (the driver does not have that checkpoint yet)."""
        name = args[-1]
        if own_state:
            args = (*args[:4], self.states[name], *args[5:])
        record, state = train_dense(*args, final=final)
        self.states[name] = state
        return record, state


def ensure_reference(spec: RunSpec, *, seed: int, epochs: int, with_ls: bool, cache_dir: Path,
                     resources: dict, noise_epochs: int = 0, log=print) -> DenseReference:
    """The cached dense reference (and noise floor), training or extending them as Ray tasks."""
    return start_reference(spec, seed=seed, epochs=epochs, with_ls=with_ls, cache_dir=cache_dir,
                           resources=resources, noise_epochs=noise_epochs, log=log).result()


def first_epochs(record: dict, epochs: int) -> dict:
    """The reference as a run of ``epochs`` epochs sees it: per-epoch lists cut to that length (a
    shorter search reuses a longer cached run); the test figures only if taken at that epoch."""
    count = len(record["epochs"])
    cut = {key: (value[:epochs] if isinstance(value, list) and len(value) == count and key != "ls_epoch0" else value)
           for key, value in record.items()}
    if count > epochs:
        cut.pop("test", None)
        cut.pop("test_epoch", None)
    return cut
