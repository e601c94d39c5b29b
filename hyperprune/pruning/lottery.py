"""Lottery ticket: iterative magnitude pruning with rewinding (Frankle & Carbin, global IMP).

Each round removes ``prune_rate`` of the weights still alive, then rewinds the survivors and
restarts the optimizer. The number of rounds is the smallest ``R`` with
``(1 - prune_rate) ** R <= 1 - sparsity``; the last round is clipped so the run ends exactly
at the target (counted as a fraction of the originally prunable weights). Each round trains
``round_epochs`` epochs from the rewind point before it prunes: round ``r`` ends at epoch
``k + r * round_epochs``, where ``k`` is the rewind epoch (0 unless ``rewind=epoch``). A higher
``prune_rate`` therefore means fewer rounds and an earlier ticket. After the last round the
ticket trains for the whole run (``ctx.total_epochs`` epochs of age, see
:mod:`hyperprune.pruning.core.clock`); the epochs of the rounds are the cost of finding it.

Options, all explicit:

* ``scope``: ``global`` ranks all chosen tensors together (one threshold); ``layerwise``
  prunes the same fraction of every tensor; ``ER``/``ERK`` keep Erdos-Renyi shares per tensor.
* ``criterion``: ``magnitude`` keeps the largest ``|w|`` (strict ranking, ties by position);
  ``random`` removes alive weights chosen uniformly with the run's mask generator.
* ``rewind``: ``init`` goes back to the weights at the start of the run; ``epoch`` to the
  weights at the end of epoch ``rewind_epoch`` (late resetting; clipped to the epoch before
  the first round, so a short run may rewind to init); ``reinit`` draws fresh weights with
  every module's ``reset_parameters`` (the random re-initialisation control).
* ``layers``: which parameter groups are prunable (see :mod:`hyperprune.pruning.core.layer_sets`).

Example::

    run = TrainingRun(spec, method="lottery", sparsity=0.8,
                      hparams={"prune_rate": 0.3, "rewind": "epoch", "rewind_epoch": 1})
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hyperprune.pruning.core.clock import Clock
from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.core.kept_count import kept_at_density, kept_count
from hyperprune.pruning.core.layer_sets import ALL_SET_NAMES, layer_names
from hyperprune.pruning.core.method import PruneContext, PruningMethod
from hyperprune.pruning.core.prune_schedule import rounds_needed
from hyperprune.pruning.core.rewind import reinitialise, restore, snapshot
from hyperprune.pruning.core.top_k import magnitude_scores, prune_to, random_scores


class LotteryTicket(PruningMethod):
    name = "lottery"
    summary = "iterative magnitude pruning with rewinding (lottery ticket), global or layer-wise"
    HPARAMS = (
        HParam("prune_rate", "float", 0.2, 0.1, 0.5,
               help="fraction of the remaining weights removed per round"),
        HParam("scope", "choice", "global", choices=("global", "layerwise", "ER", "ERK"),
               help="per-layer allocation: one threshold over all chosen tensors, the same fraction per "
                    "tensor, or Erdos-Renyi shares (smaller tensors denser)"),
        HParam("criterion", "choice", "magnitude", choices=("magnitude", "random"),
               help="remove the smallest |w|, or alive weights chosen uniformly at random"),
        HParam("rewind", "choice", "init", choices=("init", "epoch", "reinit"),
               help="after each round: weights at init, at the end of rewind_epoch, or fresh"),
        HParam("rewind_epoch", "int", 1, 0, 5, step=1,
               help="epoch whose end weights are the rewind point when rewind=epoch"),
        HParam("round_epochs", "int", 1, 1, 3, step=1,
               help="epochs each round trains from the rewind point before it prunes"),
        HParam("layers", "choice", "all", choices=ALL_SET_NAMES,
               help="prunable groups, meaning per task kind in hyperprune.pruning.core.layer_sets"),
    )

    def __init__(self, sparsity: float, hparams: dict[str, Any] | None = None) -> None:
        super().__init__(sparsity, hparams)
        self.rounds = rounds_needed(self.hp["prune_rate"], self.sparsity)
        self.round_epochs: list[int] = []
        self.keep_plan: list[int] = []
        self.rounds_done = 0
        self.rewind_at = 0
        self.start: dict[str, torch.Tensor] | None = None
        self.events: list[dict[str, Any]] = []

    @classmethod
    def effective_hparams(cls, hp: dict[str, Any]) -> dict[str, Any]:
        if hp.get("rewind") == "epoch" and hp.get("rewind_epoch") != 0:
            return dict(hp)
        # rewinding to the end of epoch 0 is rewinding to init
        rewind = "init" if hp.get("rewind") == "epoch" else hp.get("rewind")
        return {**{k: v for k, v in hp.items() if k != "rewind_epoch"}, **({"rewind": rewind} if "rewind" in hp else {})}

    def prunable_names(self, model: nn.Module, task_kind: str) -> list[str]:
        return layer_names(model, task_kind, self.hp["layers"])

    def clock(self) -> Clock:
        if self.rounds == 0:
            return Clock(0, 0)
        last = self.events[-1]["epoch"] if self.events else 0
        if self.rounds_done < self.rounds:
            return Clock(last, None, restarts=True)
        return Clock(last, last)

    def setup(self, ctx: PruneContext) -> None:
        super().setup(ctx)
        total = self.masks.total()
        final = kept_count(total, self.sparsity)
        rate = self.hp["prune_rate"]
        self.keep_plan = [max(final, kept_at_density(total, (1.0 - rate) ** r)) for r in range(1, self.rounds)]
        self.keep_plan.append(final)
        self.keep_plan = self.keep_plan[: self.rounds]
        self.rewind_at = self.hp["rewind_epoch"] if self.hp["rewind"] == "epoch" else 0
        spacing = self.hp["round_epochs"]
        self.round_epochs = [self.rewind_at + r * spacing for r in range(1, self.rounds + 1)]
        if self.hp["rewind"] != "reinit" and self.rewind_at == 0:
            self.start = snapshot(ctx.model)

    def pruned_fraction(self) -> float:
        """Fraction of the originally prunable weights removed so far."""
        return self.masks.sparsity()

    def at_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if self.hp["rewind"] == "epoch" and self.start is None and epoch == self.rewind_at:
            self.start = snapshot(self.ctx.model)
        due = [r for r in range(self.rounds_done, self.rounds) if self.round_epochs[r] <= epoch]
        if not due:
            return
        for r in due:
            self._prune_round(r, epoch)
        self._rewind()

    def _prune_round(self, r: int, epoch: int) -> None:
        if self.hp["criterion"] == "magnitude":
            scores = magnitude_scores(self.masks)
        else:
            scores = random_scores(self.masks, self.ctx.generator)
        prune_to(self.masks, scores, self.keep_plan[r], self.hp["scope"])
        self.rounds_done = r + 1
        self.events.append({"epoch": epoch, "round": r + 1, "sparsity": self.pruned_fraction()})

    def _rewind(self) -> None:
        if self.hp["rewind"] == "reinit":
            reinitialise(self.ctx.model, self.ctx.generator, self.masks)
        else:
            restore(self.ctx.model, self.start, self.masks)
        self.ctx.optimizer = self.ctx.reset_optimizer()

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "masks": self.masks.state_dict(),
            "rounds_done": self.rounds_done,
            "start": None if self.start is None else {k: v.clone() for k, v in self.start.items()},
            "events": [dict(e) for e in self.events],
            "generator": self.ctx.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.masks.load_state_dict(state["masks"])
        self.rounds_done = int(state["rounds_done"])
        self.start = None if state["start"] is None else {k: v.clone() for k, v in state["start"].items()}
        self.events = [dict(e) for e in state["events"]]
        self.ctx.generator.set_state(state["generator"])
