"""The dense reference: trained once per (model, data, training config, seed) and cached.

Its validation loss and Lyapunov spectrum at every epoch are what candidates are compared
with. The cache key is the hash of the run spec without the epoch budget (training a dense
network does not depend on it) plus the seed; a cached reference with fewer epochs than needed
is continued from its checkpoint, never retrained. The training itself runs as a Ray task so
that on a cluster it lands on a worker (a GPU one when asked).

Cache layout: ``CACHE/dense-<hash>/reference.json`` and ``run.pt``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from pathlib import Path

from hyperprune.config import RunSpec, spec_to_dict, stable_hash


def default_cache_dir() -> Path:
    return Path(os.environ.get("HYPERPRUNE_CACHE", Path.home() / ".cache" / "hyperprune"))


def reference_key(spec: RunSpec, seed: int) -> str:
    spec_dict = spec_to_dict(dataclasses.replace(spec, train=dataclasses.replace(spec.train, epochs=0)))
    spec_dict["train"].pop("threads", None)
    return stable_hash({"spec": spec_dict, "seed": seed})


def train_dense(spec_dict: dict, seed: int, epochs: int, ls_seed: int, state: bytes | None,
                with_ls: bool, device: str = "cpu") -> tuple[dict, bytes]:
    """Train (or continue) the dense run to ``epochs``; returns (per-epoch record, checkpoint bytes)."""
    import torch

    from hyperprune.config import spec_from_dict
    from hyperprune.search.spectrum_metric import eval_tokens, run_spectrum
    from hyperprune.training.checkpoint import load_safe_bytes
    from hyperprune.training.run import TrainingRun

    spec = spec_from_dict(spec_dict)
    saved = load_safe_bytes(state) if state is not None else None
    if saved is not None:
        # The cache key leaves out the epoch budget (train.epochs): nothing in a dense run depends
        # on it (no pruning schedule, NT-ASGD watches the validation loss), so a longer search
        # continues the cached run under the settings it was started with.
        spec = spec_from_dict(saved["run"]["spec"])
    run = TrainingRun(spec, method="dense", seed=seed, total_epochs=max(epochs, 1), device=device)
    record = {"epochs": [], "val_loss": [], "val_metric": [], "ls": []}
    if saved is not None:
        record = saved["record"]
        run.load_state_dict(saved["run"])
    tokens = eval_tokens(run, ls_seed) if with_ls else None
    if with_ls and not record["ls"]:
        record["ls_epoch0"] = run_spectrum(run, tokens)
    while run.epoch < epochs:
        metrics = run.train_epoch()
        record["epochs"].append(metrics["epoch"])
        record["val_loss"].append(metrics["val_loss"])
        record["val_metric"].append(metrics.get("val_ppl", metrics.get("val_acc")))
        record["ls"].append(run_spectrum(run, tokens) if with_ls else None)
    if "test" not in record or run.epoch > record.get("test_epoch", 0):
        record["test"] = run.evaluate("test")
        record["test_epoch"] = run.epoch
    buffer = io.BytesIO()
    torch.save({"record": record, "run": run.state_dict()}, buffer)
    return record, buffer.getvalue()


@dataclasses.dataclass
class DenseReference:
    key: str
    record: dict

    @property
    def epochs(self) -> int:
        return len(self.record["epochs"])

    def for_trials(self) -> dict:
        """What candidates need: epoch -> spectrum and epoch -> validation loss."""
        return {
            "ls": {int(e): s for e, s in zip(self.record["epochs"], self.record["ls"], strict=True)},
            "val_loss": {int(e): v for e, v in zip(self.record["epochs"], self.record["val_loss"], strict=True)},
        }


def ensure_reference(spec: RunSpec, *, seed: int, epochs: int, with_ls: bool, cache_dir: Path,
                     resources: dict, log=print) -> DenseReference:
    """Return the cached dense reference, training or extending it (as a Ray task) if needed."""
    import ray

    from hyperprune.files import write_bytes, write_json

    key = reference_key(spec, seed)
    folder = Path(cache_dir) / f"dense-{key}"
    ref_path, state_path = folder / "reference.json", folder / "run.pt"
    record, state = None, None
    if ref_path.is_file() and state_path.is_file():
        record = json.loads(ref_path.read_text())
        if len(record["epochs"]) >= epochs:
            log(f"dense reference {key}: cached ({len(record['epochs'])} epochs) in {folder}")
            return DenseReference(key, first_epochs(record, epochs))
        state = state_path.read_bytes()
    done = len(record["epochs"]) if record else 0
    log(f"dense reference {key}: training epochs {done + 1}-{epochs}")
    task = ray.remote(train_dense).options(num_cpus=resources.get("cpu", 1), num_gpus=resources.get("gpu", 0))
    device = "cuda" if resources.get("gpu", 0) else "cpu"
    record, state = ray.get(task.remote(spec_to_dict(spec), seed, epochs, seed, state, with_ls, device))
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes(state_path, state)
    write_json(ref_path, record)
    return DenseReference(key, record)


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
