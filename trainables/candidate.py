"""The Ray Tune trainable of one candidate: one ``step()`` is one training epoch.

Each step reports the measurement of one network state (:func:`hyperprune.training.measure.measure`,
after the method's end-of-epoch update): validation loss and perplexity (or accuracy), the
sparsity counted from the measured weights, the Lyapunov spectrum and its distance to the dense
reference at the same *age* (recurrent models; plain L2 or the trajectory variant; the spectrum
only at the ages in ``settings["ls_epochs"]`` when that is given, the ages where candidates
are ranked), the fair clock's figures (``age``: epochs trained since the last prune-and-rewind
event, ``cost_epochs``: epochs before it plus the method's extra passes in epochs, ``rankable``;
see :mod:`hyperprune.pruning.core.clock`), the node it ran on, the seconds of the epoch's training, the pruning method's
epoch-end update, the evaluation and the spectrum (``train_s``, ``method_s``, ``eval_s``,
``ls_s``; the driver times the checkpoint that follows), and, at age ``final_epochs``, the test
figures and per-layer sparsity. It posts what it is doing to the driver's status board
(``settings["status_board"]``), if there is one. Every candidate starts
from the dense reference's initial weights and data order (the master seed) and keeps its
method's own schedule; it is ranked by age, never at weights just rewound. The dense reference may still be
training beside the candidates: what is known of it when the search starts comes with the
trainable, the rest from ``settings["reference_feed"]`` (:mod:`trainables.reference_feed`).

A control candidate (``control`` in its config: the dense network itself) trains like the others
up to the last rung (``control_epochs``) and is never ranked; its distance to the reference is 0
up to floating-point noise when the shared start works.
Checkpoints carry the whole :class:`~hyperprune.training.run.TrainingRun` state (weights, masks,
optimizer, method state, RNG states), so a paused candidate resumes exactly where it stopped. A
finalist's last checkpoint also holds its deployable files (:mod:`hyperprune.training.deployable`),
which the search copies for the winner.

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
        self.reference_known = reference or {"ls": {}, "val_loss": {}}
        self._build(config)

    def _build(self, config: dict) -> None:
        import torch

        from hyperprune.config import override, spec_from_dict
        from hyperprune.lyapunov.probe import LSProbe
        from hyperprune.training.candidate_settings import split_settings
        from hyperprune.training.checkpoint import load_safe
        from hyperprune.training.run import TrainingRun
        from trainables.node import current_node
        from trainables.reference_feed import ReferenceView
        from trainables.status_board import StatusPoster

        self.post = StatusPoster(self.settings.get("status_board"), config["candidate_id"])
        self.reference = ReferenceView(self.reference_known, self.settings.get("reference_feed"), on_wait=self.post,
                                       timeout_s=self.settings.get("dense_progress_timeout"))
        self.post("starting: building the run")
        hparams, overrides = split_settings(config["hparams"])  # a space may vary train.lr etc.
        spec = override(spec_from_dict(self.base), overrides)
        device = "cuda" if torch.cuda.is_available() and self.settings.get("gpus_per_trial", 0) > 0 else "cpu"
        self.control = bool(config.get("control"))
        # total_epochs is the final age: a method that finds its mask before a rewind trains on top
        self.run = TrainingRun(spec, method=config["method"], sparsity=config["sparsity"],
                               hparams=hparams, seed=config["seed"],
                               total_epochs=self.settings["final_epochs"], device=device)
        self.replay = False
        if config.get("init_checkpoint"):
            self.run.load_state_dict(load_safe(config["init_checkpoint"]))
            self.replay = bool(self.run.history)
        self.run.on_phase = self.post
        ls_epochs = self.settings.get("ls_epochs")
        self.run.ls_epochs = None if ls_epochs is None else set(ls_epochs)
        self.with_ls = self.run.task_kind == "lm" and self.settings.get("with_ls", True)
        if self.with_ls:
            # a resumed candidate loads its epoch-0 spectrum with its checkpoint: measured in step()
            self.run.attach_probe(LSProbe.for_run(self.run, self.settings["ls_seed"]), measure_now=False)
        self.last_epoch = int(self.settings.get("control_epochs") or 0) if self.control else 0
        self.last_epoch = self.last_epoch or self.settings["final_epochs"]
        self.node = current_node()
        self.candidate_id = config["candidate_id"]
        self.deployable = False  # whether the state to save is a finalist's last (see save_checkpoint)

    def _distance(self, epoch: int, age: int) -> float:
        """The LS distance (the search's variant) between this run at ``epoch`` and the dense
        reference at the same age (``age`` epochs since this run's clock started)."""
        from hyperprune.lyapunov.distance import spectrum_gap

        mine = self.run.spectra()[epoch - age: epoch + 1]  # ages 0..age
        variant = self.settings.get("ls_distance", "l2")
        needed = range(age + 1) if variant == "trajectory" else [age]
        if len(mine) != age + 1 or any(not mine[a] for a in needed):
            return math.nan
        dense = [self.reference.spectrum(a) if a in needed else None for a in range(age + 1)]
        if any(not dense[a] for a in needed):
            return math.nan
        return spectrum_gap(variant, mine, dense)

    def step(self) -> dict[str, Any]:
        import torch

        if self.replay:
            metrics = dict(self.run.history[-1])
            metrics["replayed"] = True
            self.replay = False
            metrics.update(train_s=0.0, method_s=0.0, eval_s=0.0, ls_s=0.0)
        else:
            _crash_once_if_asked(self.candidate_id, self.run.epoch + 1)
            self.run.measure_epoch0()
            metrics = self.run.train_epoch()
            metrics["replayed"] = False
            metrics.update(self.run.timing)
        epoch = int(metrics["epoch"])
        age = int(metrics.get("age", epoch))
        metrics.setdefault("age", age)
        metrics.setdefault("rankable", True)
        metrics.setdefault("cost_epochs", 0.0)
        metrics["candidate_id"] = self.candidate_id
        metrics["torch_threads"] = torch.get_num_threads()  # the run's train.threads, from --cpus-per-trial
        metrics["control"] = self.control
        metrics.update(self.node)
        metrics["ls"] = list(metrics.get("ls") or [])
        metrics["ls_distance"] = math.nan
        if self.with_ls and not metrics.get("diverged") and metrics["rankable"]:
            metrics["ls_distance"] = self._distance(epoch, age)
        if metrics.get("diverged"):
            metrics["val_loss"] = math.nan
        final = metrics["rankable"] and age >= self.settings["final_epochs"]
        if final and not metrics.get("diverged") and not self.control:
            self.post("test evaluation")
            test = self.run.evaluate("test")
            metrics.update({f"test_{k}": v for k, v in test.items()})
            metrics["sparsity_report"] = self.run.sparsity_report()
        self.deployable = final and not metrics.get("diverged") and not self.control
        metrics["done"] = (metrics["rankable"] and age >= self.last_epoch) or bool(metrics.get("diverged"))
        self.post(f"epoch {epoch} reported")
        return metrics

    def save_checkpoint(self, checkpoint_dir: str) -> None:
        self.post(f"saving the checkpoint of epoch {self.run.epoch}")
        self.run.save(os.path.join(checkpoint_dir, RUN_FILE))
        if self.deployable:  # a finalist's last state: the winner's files come from here
            from hyperprune.training.deployable import write_deployable

            write_deployable(self.run, checkpoint_dir)

    def load_checkpoint(self, checkpoint_dir: str) -> None:
        from hyperprune.training.checkpoint import load_safe

        self.post("restoring a checkpoint")
        self.run.load_state_dict(load_safe(os.path.join(checkpoint_dir, RUN_FILE)))
        self.replay = False

    def reset_config(self, new_config: dict) -> bool:
        self._build(new_config)
        self.config = new_config
        return True
