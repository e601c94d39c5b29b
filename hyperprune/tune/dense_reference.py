"""The dense reference and its noise floor: trained once per (model, data, training config, seed), cached.

The reference's validation loss and Lyapunov spectrum at every epoch are what candidates are
compared with; it starts from the same weights and sees the same data as every candidate (the
master seed). The *noise floor* comes from second dense networks that differ from the reference
in their initial weights alone (one per draw, ``--noise-floor-seeds``), trained up to the
search's last rung: their distance to the reference at each epoch is the part of a score that a
different initialisation alone produces, the scale below which two candidates cannot be told
apart; its mean over the draws is the floor, their spread its uncertainty
(:mod:`~hyperprune.tune.noise_estimate`).

The cache key is the hash of the run spec without the epoch budget (training a dense network
does not depend on it) plus the seed; cached runs with fewer epochs than needed are continued
from their checkpoints, never retrained. Training runs as Ray tasks (the reference and the
noise floor in parallel) so that on a cluster they land on workers (GPU ones when asked); each
task's resources are set aside for it (:mod:`~hyperprune.tune.dense_reservation`), so a task
retried after its worker died starts at once even when candidates hold every other CPU. A
dense run that fails or stops making progress ends the search with one line naming it
(:meth:`ReferenceTraining.check`).

Cache layout: ``CACHE/dense-<hash>/reference.json`` + ``run.pt``, ``noise.json`` + ``noise.pt``
(the first noise-floor draw) and ``noise-<k>.json`` + ``noise-<k>.pt`` (draw k = 2, 3, ...).
"""

from __future__ import annotations

import contextlib
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
#: a dense task whose worker died is started again this many times (from the search's first checkpoint)
DENSE_RETRIES = 3
#: fault injection for the fault tests: ``<run name>:<epoch>[:hang]:<marker file>`` (see _fault_if_asked)
FAULT_ENV = "HYPERPRUNE_TEST_DENSE_FAULT"


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


def noise_init_seed(seed: int, draw: int = 0) -> int:
    """The init seed of the ``draw``-th noise-floor network (draw 0: the one searches always had)."""
    key = {"seed": int(seed), "stream": NOISE_LABEL}
    if draw:
        key["draw"] = int(draw)
    return int(stable_hash(key, 8), 16) % (2**31 - 1)


def noise_chains(draws: int, workers: int) -> list[list[int]]:
    """Which noise-floor draws (0-based) share a reservation and train in turn in it, for a
    search with ``workers`` candidate slots: at most as many reservations as the slots the
    reference leaves (so that every dense run is placed at once), at least one; draws dealt
    round-robin. ``noise_chains(2, 2) == [[0, 1]]``, ``noise_chains(3, 4) == [[0], [1], [2]]``."""
    count = max(1, min(draws, workers - 1))
    return [list(range(first, draws, count)) for first in range(count)] if draws > 0 else []


def noise_run_name(draw: int) -> str:
    """The name of the ``draw``-th noise-floor run (0-based) in the feed and the log."""
    return "noise floor" if draw == 0 else f"noise floor {draw + 1}"


def _noise_files(draw: int) -> tuple[str, str]:
    return ("noise.json", "noise.pt") if draw == 0 else (f"noise-{draw + 1}.json", f"noise-{draw + 1}.pt")


def _fault_if_asked(name: str, epoch: int) -> None:
    """Fault tests only: with ``FAULT_ENV=<name>:<epoch>:<marker>`` in the workers' environment the
    worker training ``name`` exits abruptly before ``epoch``, once (the marker records it); with
    ``<name>:<epoch>:hang:<marker>`` it stops making progress instead. Unset, nothing happens."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    who, at, *rest = spec.split(":")
    hang = rest[:1] == ["hang"]
    marker = rest[-1] if rest else ""
    if who != name or not at.isdigit() or int(at) != epoch or not marker or os.path.exists(marker):
        return
    Path(marker).write_text(f"{name} epoch {epoch} pid {os.getpid()}\n")
    if hang:
        while True:
            time.sleep(60)
    os._exit(3)


def train_dense(spec_dict: dict, seed: int, epochs: int, ls_seed: int, state: bytes | None,
                with_ls: bool, device: str = "cpu", init_seed: int | None = None,
                feed=None, name: str = "reference") -> tuple[dict, bytes]:
    """Train (or continue) a dense run to ``epochs``; returns (per-epoch record, checkpoint bytes).

    ``init_seed`` (the noise floor) changes the initial weights only. With a ``feed``
    (:class:`~trainables.reference_feed.ReferenceFeed`) the record is published under ``name``
    after every epoch, and an error before the end is published too.
    """
    try:
        return _train_dense(spec_dict, seed, epochs, ls_seed, state, with_ls, device, init_seed, feed, name)
    except Exception as exc:
        if feed is not None:
            feed.fail.remote(name, f"{type(exc).__name__}: {exc}")
        raise


def _train_dense(spec_dict, seed, epochs, ls_seed, state, with_ls, device, init_seed, feed, name):
    import torch

    from hyperprune.config import spec_from_dict
    from hyperprune.lyapunov.probe import LSProbe
    from hyperprune.training.checkpoint import load_safe_bytes
    from hyperprune.training.run import TrainingRun

    spec = spec_from_dict(spec_dict)
    run = TrainingRun(spec, method="dense", seed=seed, total_epochs=max(epochs, 1), device=device,
                      init_seed=init_seed)
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
    record["threads"] = torch.get_num_threads()  # the run's train.threads, from --cpus-per-trial
    publish()
    while run.epoch < epochs:
        _fault_if_asked(name, run.epoch + 1)
        started = time.perf_counter()
        metrics = run.train_epoch()
        record["epochs"].append(metrics["epoch"])
        record["val_loss"].append(metrics["val_loss"])
        record["val_metric"].append(metrics.get("val_ppl", metrics.get("val_acc")))
        record["ls"].append(metrics["ls"] if with_ls else None)
        record.setdefault("seconds", []).append(time.perf_counter() - started)  # training, evaluation, LS
        publish()
    publish(done=True)
    if init_seed is None and ("test" not in record or run.epoch > record.get("test_epoch", 0)):
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
    noise: dict | None = None  # the first noise-floor draw
    noises: list[dict] = dataclasses.field(default_factory=list)  # every draw, the first included

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
    """The dense reference and its noise-floor draws, started as Ray tasks and not yet awaited.

    What the cache already holds is known at once (:meth:`known`); the rest reaches candidates
    through the :class:`~trainables.reference_feed.ReferenceFeed` while they train. Each task's
    result is stored in the cache as soon as it arrives (:meth:`harvest`, called by the driver
    between Tune steps), and its reserved resources are given back; :meth:`check` turns a task
    that failed or made no progress for ``timeout_s`` into the search's one failure line.
    :meth:`result` waits for all of them and returns the :class:`DenseReference`.
    """

    def __init__(self, key: str, runs: dict, epochs: int, noise_epochs: int, feed, pending: dict,
                 labels: dict | None = None, reservations: dict | None = None,
                 timeout_s: float | None = None) -> None:
        self.key = key
        self.runs = runs  # name -> _CachedRun
        self.epochs = epochs
        self.noise_epochs = noise_epochs
        self.feed = feed
        self.pending = pending  # name -> ObjectRef of a train_dense task
        self.labels = labels or {}
        self.reservations = reservations or {}  # name -> placement group
        self.timeout_s = timeout_s
        self.error: BaseException | None = None
        self.failure: str | None = None

    @property
    def noise_names(self) -> list[str]:
        return [name for name in self.runs if name != "reference"]

    def known(self) -> dict:
        """The reference by epoch as far as it was cached when the search started."""
        from trainables.reference_feed import reference_by_epoch

        record = self.runs["reference"].record
        return reference_by_epoch(first_epochs(record, self.epochs) if record else None)

    def harvest(self, timeout: float | None = 0.0) -> None:
        """Store every finished task's result in the cache (waiting up to ``timeout`` s; None: all)."""
        import ray

        from hyperprune.tune.dense_reservation import release

        while self.pending:
            names = {ref: name for name, ref in self.pending.items()}
            ready, _ = ray.wait(list(names), num_returns=1, timeout=timeout)
            if not ready:
                return
            name = names[ready[0]]
            del self.pending[name]
            reservation = self.reservations.pop(name, None)
            if all(other is not reservation for other in self.reservations.values()):
                release(reservation)  # the last run of its reservation
            try:
                record, state = ray.get(ready[0])
            except Exception as exc:  # candidates waiting for it learn why; result() raises it
                self._fail(name, f"{self.labels.get(name, name)} failed: {_one_line(exc)}")
                self.error = self.error or exc
                continue
            self.runs[name].store(record, state)

    def check(self) -> str | None:
        """The reason the search cannot go on (a dense run failed, or made no progress for
        ``timeout_s``), said once to every candidate waiting for it; None while all is well."""
        import ray

        from trainables.reference_feed import stalled_message

        if self.failure is None and self.timeout_s is not None:
            for name in list(self.pending):
                label, reservation = self.labels.get(name, name), self.reservations.get(name)
                if reservation is not None and not reservation.placed():
                    # noise-floor draws may queue behind the candidates; the reference must not
                    if name == "reference" and reservation.waited_s() > self.timeout_s:
                        self._fail(name, f"{label} could not start: {reservation.cpus:g} CPU, "
                                         f"{reservation.gpus:g} GPU were not free for {reservation.waited_s():.0f} s")
                        break
                    continue
                try:
                    quiet = ray.get(self.feed.quiet_s.remote(name), timeout=30)
                except Exception:  # the feed is unreachable (Ray is stopping): the search says why
                    return self.failure
                if quiet is not None and quiet > self.timeout_s:
                    self._fail(name, stalled_message(label, quiet, self.timeout_s))
                    break
        return self.failure

    def _fail(self, name: str, message: str) -> None:
        self.failure = self.failure or message
        self.feed.fail.remote(name, message)

    def partial(self, name: str) -> dict | None:
        """The latest published record of ``name`` (cached or still training)."""
        import ray

        if name not in self.pending:
            return self.runs[name].record
        try:
            record, _, _ = ray.get(self.feed.read.remote(name), timeout=10)
        except Exception:  # the feed is unreachable: what the cache holds
            record = None
        return record or self.runs[name].record

    def result(self) -> DenseReference:
        """Every dense run's record; :class:`DenseRunFailed` when one failed or stopped making progress."""
        while self.pending and self.check() is None:
            self.harvest(timeout=1.0)
        if self.check() is not None:
            self.release()
            raise DenseRunFailed(self.failure)
        noises = [self.runs[name].record for name in self.noise_names] if self.noise_epochs > 0 else []
        return DenseReference(self.key, first_epochs(self.runs["reference"].record, self.epochs),
                              noises[0] if noises else None, noises)

    def release(self) -> None:
        """Stop the dense runs still training and give back their resources."""
        import ray

        from hyperprune.tune.dense_reservation import release

        for ref in self.pending.values():
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        for reservation in {id(r): r for r in self.reservations.values()}.values():
            release(reservation)
        self.reservations.clear()


class DenseRunFailed(RuntimeError):
    """A dense run failed or made no progress; the message is the search's one line about it."""


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}"


def start_reference(spec: RunSpec, *, seed: int, epochs: int, with_ls: bool, cache_dir: Path,
                    resources: dict, noise_epochs: int = 0, noise_seeds: int = 1,
                    timeout_s: float | None = None, feed_node: str | None = None, workers: int | None = None,
                    log=print) -> ReferenceTraining:
    """Start training (or extending) the cached dense reference and noise-floor draws as Ray tasks.

    ``workers``: the search's candidate slots; the noise-floor draws then share reservations as
    :func:`noise_chains` says (None: a reservation per draw).
    ``feed_node``: the node id the feed is pinned to (the head's: a worker node that leaves the
    cluster must not take it along); None lets Ray place it.
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from hyperprune.tune.dense_reservation import reserve, task_options
    from trainables.reference_feed import ReferenceFeed

    key = reference_key(spec, seed)
    folder = Path(cache_dir) / f"dense-{key}"
    runs = {"reference": (_CachedRun(folder, "reference.json", "run.pt"), epochs, None)}
    for draw in range(max(1, noise_seeds)):
        runs[noise_run_name(draw)] = (_CachedRun(folder, *_noise_files(draw)), noise_epochs,
                                      noise_init_seed(seed, draw))
    labels = {name: f"dense {name} {key}" for name in runs}
    task = ray.remote(train_dense)
    device = "cuda" if resources.get("gpu", 0) else "cpu"
    spec_dict = spec_to_dict(_budget_free(spec))
    placement = {} if feed_node is None else {
        "scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=feed_node, soft=False)}
    feed = ReferenceFeed.options(**placement).remote(
        {name: cached.record for name, (cached, _, _) in runs.items()}, labels)
    to_train = []
    for name, (cached, wanted, _) in runs.items():
        if wanted <= 0 or not cached.needs(wanted):
            if wanted > 0:
                log(f"{labels[name]}: cached ({cached.trained()} epochs) in {folder}")
            feed.publish.remote(name, cached.record, True)
            continue
        to_train.append(name)
    pending, reservations = {}, {}
    for group in _reservation_groups(to_train, workers):
        shared = reserve(resources, group[0])
        for place, name in enumerate(group):
            cached, wanted, init_seed = runs[name]
            after = f" (after dense {group[place - 1]}, in its reserved worker)" if place else ""
            log(f"{labels[name]}: training epochs {cached.trained() + 1}-{wanted}{after}")
            reservations[name] = shared
            pending[name] = task.options(**task_options(shared, DENSE_RETRIES)).remote(
                spec_dict, seed, wanted, seed, cached.state, with_ls, device, init_seed, feed, name)
    if "reference" in reservations:  # the candidates start once it holds its worker (see Reservation.wait_placed)
        reservations["reference"].wait_placed(timeout_s, log=log, label=labels["reference"])
    return ReferenceTraining(key, {name: cached for name, (cached, _, _) in runs.items()}, epochs,
                             noise_epochs, feed, pending, labels, reservations, timeout_s)


def _reservation_groups(names: list[str], workers: int | None) -> list[list[str]]:
    """The dense runs to train grouped by the reservation they share (see :func:`noise_chains`):
    the reference alone; the noise-floor draws in chains, or each alone when ``workers`` is None."""
    noises = [name for name in names if name != "reference"]
    groups = [["reference"]] if "reference" in names else []
    if workers is None:
        return groups + [[name] for name in noises]
    return groups + [[noises[i] for i in chain] for chain in noise_chains(len(noises), workers)]


def ensure_reference(spec: RunSpec, *, seed: int, epochs: int, with_ls: bool, cache_dir: Path,
                     resources: dict, noise_epochs: int = 0, noise_seeds: int = 1, log=print) -> DenseReference:
    """The cached dense reference (and noise floor), training or extending them as Ray tasks."""
    return start_reference(spec, seed=seed, epochs=epochs, with_ls=with_ls, cache_dir=cache_dir,
                           resources=resources, noise_epochs=noise_epochs, noise_seeds=noise_seeds,
                           log=log).result()


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
