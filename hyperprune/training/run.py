"""One training run of one candidate: model + pruning method + optimizer, epoch by epoch.

:class:`TrainingRun` is what the Ray trainables, ``hyperprune train``, the benchmarks and the
tests drive. Each :meth:`~TrainingRun.train_epoch` trains one epoch, calling the pruning
method's hooks as documented in :mod:`hyperprune.pruning.core.method`, then evaluates on the
validation split. The complete state round-trips through :meth:`~TrainingRun.state_dict`:
a run restored from a checkpoint continues bit for bit like an uninterrupted one.

Seeds form a tree under the master seed: model initialisation, data order and dropout derive
from the master seed alone (every candidate and the dense reference start from the same
weights and see the same data), the method's seed also from the method, sparsity and
hyperparameters. The model and masks are built after seeding, so a candidate is reproducible.
``init_seed`` replaces the master seed for the initial weights only (the search's noise floor:
a second dense network that differs from the reference in its initialisation alone).

``total_epochs`` is the run's length as the network it finishes as: its *age* at the end (see
:mod:`hyperprune.pruning.core.clock`). A method that spends epochs finding its mask before a
rewind (lottery rounds, InCoP iterations, an early mask's score epochs) trains those epochs on
top, so :meth:`TrainingRun.finished` (not ``epoch``) says when the run is done. Every epoch's
metrics carry ``age``, ``rankable`` (the mask is final and has trained an epoch since) and
``cost_epochs`` (epochs before the clock started plus the method's extra passes in epochs,
cumulative). With an :class:`~hyperprune.lyapunov.probe.LSProbe` attached
(:meth:`TrainingRun.attach_probe`) each epoch's metrics carry the spectrum as well; every
epoch is measured by :func:`~hyperprune.training.measure.measure`, after the method's
end-of-epoch update.

Example::

    run = TrainingRun(preset("tiny"), method="dense", total_epochs=3)
    while not run.finished():
        print(run.train_epoch())
    run.save("out/checkpoint.pt")
    run = TrainingRun.load("out/checkpoint.pt")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from hyperprune.config import RunSpec, spec_from_dict, spec_hash, spec_to_dict
from hyperprune.data import Corpus, load_data
from hyperprune.errors import UserError
from hyperprune.models import build_model, task_kind_of
from hyperprune.pruning import (
    METHODS,
    PruneContext,
    WorkCounter,
    build_method,
    counted,
    epoch_shape,
    sparsity_report,
)
from hyperprune.training.asgd import averaged_state, make_asgd, should_switch, swapped_in
from hyperprune.training.checkpoint import load_safe, save_atomic
from hyperprune.training.classifier_task import ClassifierTask
from hyperprune.training.lm_task import LMTask
from hyperprune.training.measure import measure, pruned_fraction
from hyperprune.training.seeds import capture_rng, derive_seed, restore_rng, seed_everything, seeded_generator

CHECKPOINT_FORMAT = "hyperprune-run"
CHECKPOINT_VERSION = 1


class TrainingRun:
    """Train one (model, pruning method, sparsity, hyperparameters) candidate epoch by epoch."""

    def __init__(self, spec: RunSpec, method: str = "dense", sparsity: float = 0.0,
                 hparams: dict | None = None, seed: int | None = None,
                 total_epochs: int | None = None, device: str = "cpu", init_seed: int | None = None) -> None:
        self.spec = spec
        self.seed = int(spec.train.seed if seed is None else seed)
        self.init_seed = self.seed if init_seed is None else int(init_seed)
        self.total_epochs = int(spec.train.epochs if total_epochs is None else total_epochs)
        if self.total_epochs < 1:
            raise UserError(f"total epochs must be at least 1, got {self.total_epochs}")
        self.probe = None
        self.ls_epoch0: list[float] = []
        self.device = torch.device(device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise UserError(f"device {device!r} requested but CUDA is not available; use --device cpu")
        outer_rng = capture_rng(self.device.type == "cuda")
        try:
            self._build(spec, method, sparsity, hparams)
        finally:
            restore_rng(outer_rng)

    def _build(self, spec: RunSpec, method: str, sparsity: float, hparams: dict | None) -> None:
        torch.set_num_threads(max(1, spec.train.threads))
        if spec.train.optimizer not in ("sgd", "adam"):
            raise UserError(f"unknown optimizer {spec.train.optimizer!r}; choose sgd or adam")

        self.task_kind = task_kind_of(spec.model)
        self.data = load_data(spec.data)
        if method in METHODS:
            hparams = METHODS.get(method).upgrade_hparams(dict(hparams or {}), self.total_epochs)
        self.method = build_method(method, sparsity, hparams)
        self.method_name = method
        if self.task_kind not in self.method.task_kinds:
            raise UserError(f"method {method!r} does not apply to {self.task_kind} models; "
                            f"it supports: {', '.join(sorted(self.method.task_kinds))}")
        self.sparsity = float(sparsity)
        self.hparams = dict(self.method.hp)
        self.seeds = {
            "init": derive_seed(self.init_seed, "init"),
            "data": derive_seed(self.seed, "data"),
            "train": derive_seed(self.seed, "train"),
            "method": derive_seed(self.seed, "method", method, self.sparsity, sorted(self.hparams.items())),
        }

        seed_everything(self.seeds["init"])
        self.model = build_model(spec.model, self.data).to(self.device)
        if isinstance(self.data, Corpus):
            self.task = LMTask(self.data, spec.train, self.device, self.seeds["data"])
        else:
            self.task = ClassifierTask(self.data, spec.train, self.device, self.seeds["data"])
        self.optimizer = self._make_optimizer()
        self.asgd = False
        self.diverged = False
        self.epoch = 0
        self.history: list[dict[str, Any]] = []
        self._val_losses: list[float] = []

        seed_everything(self.seeds["method"])
        self.generator = seeded_generator(self.seeds["method"])
        work = WorkCounter(epoch_shape(self.task_kind, self.task.steps_per_epoch, spec.train.batch_size,
                                       spec.train.bptt))
        loss, evaluate = counted(self.task.batch_loss, self._mean_loss, work)
        self.ctx = PruneContext(
            model=self.model, optimizer=self.optimizer, task_kind=self.task_kind,
            total_epochs=self.total_epochs, steps_per_epoch=self.task.steps_per_epoch,
            generator=self.generator, batches=self.task.fixed_batches, loss=loss,
            evaluate=evaluate, reset_optimizer=self._reset_optimizer,
            extras={"spec": spec, "seed": self.seed, "device": self.device, "data": self.data},
            work=work,
        )
        self.method.setup(self.ctx)
        self.method.masks.apply()
        seed_everything(self.seeds["train"])
        self._rng_state = capture_rng(self.device.type == "cuda")
        #: called with a short description whenever the run starts a new phase of an epoch
        self.on_phase: Callable[[str], None] = lambda doing: None
        #: seconds of the last epoch's phases (not part of the history: they differ run to run)
        self.timing: dict[str, float] = {}
        #: epochs at which an attached probe measures the LS (None: every epoch)
        self.ls_epochs: set[int] | None = None

    @contextmanager
    def _own_rng(self) -> Iterator[None]:
        """Run with this run's own global-RNG states (dropout etc.), so interleaved runs in one
        process do not disturb each other; the caller's states are restored afterwards."""
        use_cuda = self.device.type == "cuda"
        outer = capture_rng(use_cuda)
        restore_rng(self._rng_state)
        try:
            yield
        finally:
            self._rng_state = capture_rng(use_cuda)
            restore_rng(outer)

    # -- optimizers ---------------------------------------------------------------------------
    def _make_optimizer(self) -> torch.optim.Optimizer:
        cfg = self.spec.train
        if cfg.optimizer == "adam":
            return torch.optim.Adam(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        return torch.optim.SGD(self.model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                               weight_decay=cfg.weight_decay)

    def _reset_optimizer(self) -> torch.optim.Optimizer:
        """A fresh optimizer of the configured kind; the NT-ASGD history starts over."""
        self.optimizer = self._make_optimizer()
        self.ctx.optimizer = self.optimizer
        self.asgd = False
        self._val_losses = []
        return self.optimizer

    def _switch_to_asgd(self) -> None:
        cfg = self.spec.train
        self.optimizer = make_asgd(self.model, lr=self.optimizer.param_groups[0]["lr"],
                                   weight_decay=cfg.weight_decay)
        self.asgd = True
        self.method.on_optimizer_change(self.optimizer)
        self.ctx.optimizer = self.optimizer

    # -- evaluation ---------------------------------------------------------------------------
    def _mean_loss(self, model: nn.Module, batches: list) -> float:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            losses = [float(self.task.batch_loss(model, batch)) for batch in batches]
        model.train(was_training)
        return sum(losses) / max(len(losses), 1)

    def _averages(self) -> dict:
        return averaged_state(self.optimizer, self.model, self.method.masks) if self.asgd else {}

    def evaluation_weights(self):
        """Context in which the model holds the weights that are evaluated and saved.

        Under NT-ASGD these are the masked averages; otherwise the model's own weights.
        """
        return swapped_in(self._averages())

    def evaluate(self, split: str = "valid") -> dict[str, float]:
        """``{"loss", "ppl"}`` (lm) or ``{"loss", "accuracy"}``; averaged weights under ASGD."""
        with self._own_rng(), swapped_in(self._averages()):
            return self.task.evaluate(self.model, split)

    def attach_probe(self, probe, measure_now: bool = True) -> None:
        """Measure the LS with ``probe`` at every epoch; the spectrum at epoch 0 is taken now
        (after the masks are set up) unless the run already has one, or with ``measure_now``
        False by :meth:`measure_epoch0` before the first epoch (a run about to load a
        checkpoint has it there, and the measurement would be thrown away)."""
        self.probe = probe
        if measure_now:
            self.measure_epoch0()

    def measure_epoch0(self) -> None:
        """The spectrum at epoch 0, if the run has a probe, is still at epoch 0 and has none yet.
        It draws from the run's own random stream only, so it is the same whenever it is taken
        before the first epoch."""
        if self.probe is not None and not self.ls_epoch0 and self.epoch == 0:
            with self._own_rng():
                self.ls_epoch0 = self.probe.spectrum(self)

    def spectra(self) -> list[list[float]]:
        """The spectra of epochs 0..current measured so far (empty lists where none was)."""
        return [list(self.ls_epoch0)] + [list(m.get("ls") or []) for m in self.history]

    def sparsity_report(self) -> dict:
        """Per-layer and global sparsity over the method's prunable parameters, from the weights."""
        with swapped_in(self._averages()):
            return sparsity_report(self.model, self.method.masks.names)

    # -- training -----------------------------------------------------------------------------
    def _train_one_epoch(self, epoch: int) -> float:
        """Run the batches of ``epoch``; the mean task loss (non-finite when training diverged)."""
        cfg = self.spec.train
        self.model.train()
        params = [p for p in self.model.parameters() if p.requires_grad]
        carry, total, count = None, 0.0, 0
        for batch in self.task.train_batches(epoch):
            loss, carry, n = self.task.train_loss(self.model, batch, carry)
            penalty = self.method.penalty()
            objective = loss if penalty is None else loss + penalty
            value = float(objective.detach())
            if not math.isfinite(value):
                return value
            self.optimizer.zero_grad(set_to_none=True)
            objective.backward()
            self.method.before_step()
            if cfg.clip > 0:
                nn.utils.clip_grad_norm_(params, cfg.clip)
            self.optimizer.step()
            self.method.after_step()
            total += float(loss.detach()) * n
            count += n
        return total / max(count, 1)

    def _diverged_metrics(self, epoch: int, train_loss: float) -> dict[str, Any]:
        metrics = {"epoch": epoch, "train_loss": float(train_loss), "val_loss": math.inf}
        metrics["val_ppl" if self.task_kind == "lm" else "val_acc"] = math.inf if self.task_kind == "lm" else 0.0
        with self.evaluation_weights():
            pruned = pruned_fraction(self.method.masks)
        metrics.update(sparsity=float(self.sparsity_report()["global"]["sparsity"]), measured_sparsity=pruned, ls=[],
                       lr=float(self.optimizer.param_groups[0]["lr"]), asgd=self.asgd, diverged=True)
        metrics.update(self._clock_figures(epoch))
        return metrics

    def train_epoch(self) -> dict[str, Any]:
        """Train one epoch, let the method act, measure the result; the epoch's metrics."""
        with self._own_rng():
            metrics = self._epoch(self.epoch + 1)
        metrics["method_passes"] = self.ctx.work.take()
        passes = sum(float(m.get("method_passes") or 0.0) for m in self.history) + metrics["method_passes"]
        clock = self.method.clock()
        metrics["cost_epochs"] = clock.pre_clock_epochs() + passes / self.ctx.work.shape.plain_passes
        self.epoch += 1
        self.history.append(metrics)
        return dict(metrics)

    def _clock_figures(self, epoch: int) -> dict[str, Any]:
        clock = self.method.clock()
        return {"age": clock.age(epoch), "rankable": clock.rankable(epoch), "clock_restarts": clock.restarts}

    @property
    def age(self) -> int:
        """The age of the last measured epoch (0 before the first)."""
        return int(self.history[-1]["age"]) if self.history else 0

    def finished(self) -> bool:
        """Trained to age ``total_epochs`` as the final network, or diverged."""
        if self.diverged:
            return True
        if not self.history:
            return False
        last = self.history[-1]
        return bool(last.get("rankable", True)) and int(last.get("age", last["epoch"])) >= self.total_epochs

    def _epoch(self, epoch: int) -> dict[str, Any]:
        self.timing = {"train_s": 0.0, "method_s": 0.0, "eval_s": 0.0, "ls_s": 0.0}
        if self.diverged:
            return self._diverged_metrics(epoch, math.nan)
        self.method.before_epoch(epoch)
        self.on_phase(f"training epoch {epoch}")
        start = time.perf_counter()
        train_loss = self._train_one_epoch(epoch)
        self.timing["train_s"] = time.perf_counter() - start
        if not math.isfinite(train_loss):
            self.diverged = True
            return self._diverged_metrics(epoch, train_loss)
        shape = self.ctx.work.shape
        declared = self.method.extra_passes(self.method.hp, shape)
        cost = f", up to {declared / shape.plain_passes:.2g} training epochs of extra work" if declared else ""
        self.on_phase(f"{self.method_name}: end-of-epoch update, epoch {epoch}{cost}")
        start = time.perf_counter()
        self.method.at_epoch_end(epoch, {"epoch": epoch, "train_loss": float(train_loss)})
        self.method.masks.apply()
        self.timing["method_s"] = time.perf_counter() - start
        clock = self._clock_figures(epoch)
        # ls_epochs are ages: the spectrum is measured where the final network can be ranked
        wanted = self.ls_epochs is None or (clock["rankable"] and clock["age"] in self.ls_epochs)
        probe = self.probe if wanted else None
        self.on_phase(f"validation{' and Lyapunov spectrum' if probe is not None else ''}, epoch {epoch}")
        measured = measure(self, probe, timing=self.timing)
        if measured["diverged"]:
            self.diverged = True
            return self._diverged_metrics(epoch, train_loss)
        return self._finish_epoch(epoch, train_loss, measured, clock)

    def _finish_epoch(self, epoch: int, train_loss: float, measured: dict[str, Any],
                      clock: dict[str, Any]) -> dict[str, Any]:
        cfg = self.spec.train
        val_loss = float(measured["val_loss"])
        metrics: dict[str, Any] = {"epoch": epoch, "train_loss": float(train_loss), **measured, **clock}
        asgd_allowed = cfg.nt_asgd and cfg.optimizer == "sgd" and not self.asgd
        if asgd_allowed and should_switch(self._val_losses, val_loss, cfg.nonmono):
            self._switch_to_asgd()
        self._val_losses.append(val_loss)
        metrics.update(lr=float(self.optimizer.param_groups[0]["lr"]), asgd=self.asgd, diverged=False)
        return metrics

    # -- state --------------------------------------------------------------------------------
    def _identity(self) -> dict[str, Any]:
        return {"spec_hash": spec_hash(self.spec), "method": self.method_name,
                "sparsity": self.sparsity, "hparams": dict(self.hparams), "seed": self.seed,
                "init_seed": self.init_seed}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue this run bit for bit (tensors and plain values only)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "spec": spec_to_dict(self.spec),
            **self._identity(),
            "total_epochs": self.total_epochs,
            "epoch": self.epoch,
            "history": [dict(m) for m in self.history],
            "ls_epoch0": list(self.ls_epoch0),
            "val_losses": list(self._val_losses),
            "asgd": self.asgd,
            "diverged": self.diverged,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "method_state": self.method.state_dict(),
            "rng": {**self._rng_state, "generator": self.generator.get_state()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict` of the same spec, method and seed."""
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise UserError("not a hyperprune training checkpoint (missing format marker)")
        defaults = {"init_seed": state.get("seed")}
        mine = self._identity()
        theirs = {k: state.get(k, defaults.get(k)) for k in mine}
        if theirs["method"] in METHODS and isinstance(theirs["hparams"], dict):
            # a checkpoint of an earlier version: compare the hyperparameters it shares with today's
            # (new ones take their defaults there; renamed ones were translated when this run was built)
            saved = dict(theirs["hparams"])
            defaults = {h.name: h.default for h in self.method.HPARAMS}
            shared = [k for k in saved if k in defaults]
            if "prune_by" in state or set(saved) != set(defaults):
                theirs["hparams"] = {k: saved[k] for k in shared}
                mine["hparams"] = {k: mine["hparams"][k] for k in shared}
        if mine != theirs:
            diff = next(k for k in mine if mine[k] != theirs[k])
            raise UserError(f"checkpoint belongs to another run ({diff}: {theirs[diff]!r}, this run has "
                            f"{mine[diff]!r}); load it with TrainingRun.load or match the settings")
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[-1].strip()
            raise UserError(f"checkpoint weights do not fit this model: {first}") from None
        if state["asgd"]:
            self.optimizer = make_asgd(self.model, lr=self.spec.train.lr, weight_decay=self.spec.train.weight_decay)
        else:
            self.optimizer = self._make_optimizer()
        self.optimizer.load_state_dict(state["optimizer"])
        self.asgd = bool(state["asgd"])
        self.ctx.optimizer = self.optimizer
        if self.asgd:
            self.method.on_optimizer_change(self.optimizer)
        self.method.load_state_dict(state["method_state"])
        self.method.masks.apply()
        self.ctx.work.take()  # this object's own setup is not work of the restored run's next epoch
        self.epoch = int(state["epoch"])
        self.history = [dict(m) for m in state["history"]]
        self.ls_epoch0 = [float(x) for x in state.get("ls_epoch0") or []]
        self._val_losses = [float(v) for v in state["val_losses"]]
        self.diverged = bool(state["diverged"])
        self.generator.set_state(state["rng"]["generator"])
        self._rng_state = {k: v for k, v in state["rng"].items() if k != "generator"}

    def save(self, path: str | Path) -> None:
        """Write the complete state atomically."""
        save_atomic(self.state_dict(), path)

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", total_epochs: int | None = None) -> TrainingRun:
        """Rebuild a run from a checkpoint (safe load); ``total_epochs`` may extend the budget."""
        state = load_safe(path, map_location="cpu")
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise UserError(f"{path} is not a hyperprune training checkpoint")
        hparams = state["hparams"]
        if state["method"] in METHODS:  # hyperparameters saved by an earlier version, renamed
            saved_length = int(state.get("prune_by") or state["total_epochs"])
            hparams = METHODS.get(state["method"]).upgrade_hparams(dict(hparams), saved_length)
        run = cls(spec_from_dict(state["spec"]), method=state["method"], sparsity=state["sparsity"],
                  hparams=hparams, seed=state["seed"],
                  total_epochs=total_epochs or state["total_epochs"], device=device,
                  init_seed=state.get("init_seed"))
        run.load_state_dict(state)
        return run

    def save_weights(self, path: str | Path) -> None:
        """The masked model's plain state_dict (averaged weights under ASGD), weights-only loadable."""
        with swapped_in(self._averages()):
            weights = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
        save_atomic(weights, path)
