"""The Ray Tune trainable of one candidate: one ``step()`` is one training epoch.

Each step reports the validation loss and perplexity (or accuracy), the global sparsity, the
Lyapunov spectrum and its distance to the dense reference at the same epoch (recurrent
models), the node it ran on, and, at ``final_epochs``, the test figures and per-layer sparsity.
Checkpoints carry the whole :class:`~hyperprune.training.run.TrainingRun` state (weights, masks,
optimizer, method state, RNG states), so a paused candidate resumes exactly where it stopped.

A candidate seeded from a saved pool (``init_checkpoint`` in its config) loads that state and
first re-reports the pool's last epoch without training it again.

Fault injection (for the fault-tolerance tests only): with
``HYPERPRUNE_TEST_CRASH_ONCE=<candidate_id>:<epoch>:<marker file>`` in the environment of the Ray
workers, the worker training that candidate exits abruptly (``os._exit``) just before training
that epoch, once: the marker file records that the crash happened. Unset, it does nothing.
"""

from __future__ import annotations

import math
import os
from typing import Any

from ray import tune

RUN_FILE = "run.pt"
CRASH_ENV = "HYPERPRUNE_TEST_CRASH_ONCE"


def _crash_once_if_asked(candidate_id: str, epoch: int) -> None:
    """The fault-injection hook described in the module docstring."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    cid, _, rest = spec.partition(":")
    at, _, marker = rest.partition(":")
    if cid != candidate_id or not at.isdigit() or int(at) != epoch or not marker or os.path.exists(marker):
        return
    with open(marker, "w") as f:
        f.write(f"{candidate_id} epoch {epoch} pid {os.getpid()}\n")
    os._exit(3)


class CandidateTrainable(tune.Trainable):
    def setup(self, config: dict, base: dict | None = None, settings: dict | None = None,
              reference: dict | None = None) -> None:
        self.base = base
        self.settings = settings
        self.reference = reference or {"ls": {}, "val_loss": {}}
        self._build(config)

    def _build(self, config: dict) -> None:
        import torch

        from hyperprune.config import override, spec_from_dict
        from hyperprune.search.ray_session import current_node
        from hyperprune.search.setting_space import split_settings
        from hyperprune.search.spectrum_metric import eval_tokens
        from hyperprune.training.checkpoint import load_safe
        from hyperprune.training.run import TrainingRun

        hparams, overrides = split_settings(config["hparams"])  # a space may vary train.lr etc.
        spec = override(spec_from_dict(self.base), overrides)
        device = "cuda" if torch.cuda.is_available() and self.settings.get("gpus_per_trial", 0) > 0 else "cpu"
        self.run = TrainingRun(spec, method=config["method"], sparsity=config["sparsity"],
                               hparams=hparams, seed=config["seed"],
                               total_epochs=self.settings["final_epochs"], device=device)
        self.replay = False
        if config.get("init_checkpoint"):
            self.run.load_state_dict(load_safe(config["init_checkpoint"]))
            self.replay = bool(self.run.history)
        self.with_ls = self.run.task_kind == "lm" and self.settings.get("with_ls", True)
        self.tokens = eval_tokens(self.run, self.settings["ls_seed"]) if self.with_ls else None
        self.node = current_node()
        self.candidate_id = config["candidate_id"]

    def step(self) -> dict[str, Any]:
        from hyperprune.search.spectrum_metric import run_spectrum, spectrum_distance

        if self.replay:
            metrics = dict(self.run.history[-1])
            metrics["replayed"] = True
            self.replay = False
        else:
            _crash_once_if_asked(self.candidate_id, self.run.epoch + 1)
            metrics = self.run.train_epoch()
            metrics["replayed"] = False
        epoch = int(metrics["epoch"])
        metrics["candidate_id"] = self.candidate_id
        metrics.update(self.node)
        metrics["ls_distance"] = math.nan
        metrics["ls"] = []
        if self.with_ls and not metrics.get("diverged"):
            spectrum = run_spectrum(self.run, self.tokens)
            metrics["ls"] = spectrum
            ref = self.reference["ls"].get(epoch)
            if ref is not None:
                metrics["ls_distance"] = spectrum_distance(spectrum, ref)
            if not all(math.isfinite(x) for x in spectrum):
                metrics["diverged"] = True
        if metrics.get("diverged"):
            metrics["val_loss"] = math.nan
        if epoch >= self.settings["final_epochs"] and not metrics.get("diverged"):
            test = self.run.evaluate("test")
            metrics.update({f"test_{k}": v for k, v in test.items()})
            metrics["sparsity_report"] = self.run.sparsity_report()
        metrics["done"] = epoch >= self.settings["final_epochs"] or bool(metrics.get("diverged"))
        return metrics

    def save_checkpoint(self, checkpoint_dir: str) -> None:
        self.run.save(os.path.join(checkpoint_dir, RUN_FILE))

    def load_checkpoint(self, checkpoint_dir: str) -> None:
        from hyperprune.training.checkpoint import load_safe

        self.run.load_state_dict(load_safe(os.path.join(checkpoint_dir, RUN_FILE)))
        self.replay = False

    def reset_config(self, new_config: dict) -> bool:
        self._build(new_config)
        self.config = new_config
        return True
