"""The dense reference and its noise floor: trained once per (model, data, training config, seed), cached.

The reference's validation loss and Lyapunov spectrum at every epoch are what candidates are
compared with; it starts from the same weights and sees the same data as every candidate (the
master seed). The *noise floor* is a second dense network that differs from the reference in
its initial weights alone, trained up to the search's last rung: its distance to the
reference at each epoch is the part of a score that a different initialisation alone produces,
the scale below which two candidates cannot be told apart.

The cache key is the hash of the run spec without the epoch budget (training a dense network
does not depend on it) plus the seed; cached runs with fewer epochs than needed are continued
from their checkpoints, never retrained. Training runs as Ray tasks (the reference and the
noise floor in parallel) so that on a cluster they land on workers (GPU ones when asked).

Cache layout: ``CACHE/dense-<hash>/reference.json`` + ``run.pt`` and ``noise.json`` + ``noise.pt``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
from pathlib import Path

from hyperprune.config import RunSpec, spec_to_dict, stable_hash

#: the init seed of the noise-floor network is derived from the master seed with this label
NOISE_LABEL = "noise-floor"


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
                with_ls: bool, device: str = "cpu", init_seed: int | None = None) -> tuple[dict, bytes]:
    """Train (or continue) a dense run to ``epochs``; returns (per-epoch record, checkpoint bytes).

    ``init_seed`` (the noise floor) changes the initial weights only.
    """
    import torch

    from hyperprune.config import spec_from_dict
    from hyperprune.lyapunov.probe import LSProbe
    from hyperprune.training.checkpoint import load_safe_bytes
    from hyperprune.training.run import TrainingRun

    spec = spec_from_dict(spec_dict)
    run = TrainingRun(spec, method="dense", seed=seed, total_epochs=max(epochs, 1), device=device,
                      prune_by=1, init_seed=init_seed)
    record = {"epochs": [], "val_loss": [], "val_metric": [], "ls": []}
    if state is not None:
        saved = load_safe_bytes(state)
        record = saved["record"]
        run.load_state_dict(saved["run"])
    if with_ls:
        run.attach_probe(LSProbe.for_run(run, ls_seed))
        record["ls_epoch0"] = list(run.ls_epoch0)
    while run.epoch < epochs:
        metrics = run.train_epoch()
        record["epochs"].append(metrics["epoch"])
        record["val_loss"].append(metrics["val_loss"])
        record["val_metric"].append(metrics.get("val_ppl", metrics.get("val_acc")))
        record["ls"].append(metrics["ls"] if with_ls else None)
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
    noise: dict | None = None

    @property
    def epochs(self) -> int:
        return len(self.record["epochs"])

    @property
    def noise_epochs(self) -> int:
        return len((self.noise or {}).get("epochs") or [])

    def for_trials(self) -> dict:
        """What candidates need: epoch -> spectrum (epoch 0 included) and epoch -> validation loss."""
        ls = {int(e): s for e, s in zip(self.record["epochs"], self.record["ls"], strict=True)}
        if self.record.get("ls_epoch0"):
            ls[0] = self.record["ls_epoch0"]
        return {"ls": ls,
                "val_loss": {int(e): v for e, v in zip(self.record["epochs"], self.record["val_loss"], strict=True)}}


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


def ensure_reference(spec: RunSpec, *, seed: int, epochs: int, with_ls: bool, cache_dir: Path,
                     resources: dict, noise_epochs: int = 0, log=print) -> DenseReference:
    """The cached dense reference (and noise floor), training or extending them as Ray tasks."""
    import ray

    key = reference_key(spec, seed)
    folder = Path(cache_dir) / f"dense-{key}"
    runs = {"reference": (_CachedRun(folder, "reference.json", "run.pt"), epochs, None),
            "noise floor": (_CachedRun(folder, "noise.json", "noise.pt"), noise_epochs, noise_init_seed(seed))}
    task = ray.remote(train_dense).options(num_cpus=resources.get("cpu", 1), num_gpus=resources.get("gpu", 0))
    device = "cuda" if resources.get("gpu", 0) else "cpu"
    spec_dict = spec_to_dict(_budget_free(spec))
    pending = {}
    for name, (cached, wanted, init_seed) in runs.items():
        if wanted <= 0 or not cached.needs(wanted):
            if wanted > 0:
                log(f"dense {name} {key}: cached ({cached.trained()} epochs) in {folder}")
            continue
        log(f"dense {name} {key}: training epochs {cached.trained() + 1}-{wanted}")
        pending[name] = task.remote(spec_dict, seed, wanted, seed, cached.state, with_ls, device, init_seed)
    for name, ref in pending.items():
        record, state = ray.get(ref)
        runs[name][0].store(record, state)
    reference, noise = runs["reference"][0], runs["noise floor"][0]
    return DenseReference(key, reference.record, noise.record if noise_epochs > 0 else None)
