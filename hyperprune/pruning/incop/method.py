"""InCoP: iterative magnitude pruning with an adaptive PQ-index ratio and flow-based early stops.

The run is: warm-up (dense training for ``warmup_epochs``) -> the post-warm-up weights become
the rewind point -> repeated iterations of *prune, rewind the survivors to the rewind point,
restart the optimizer, train*. What differs between criteria:

=========  ==================================================================================
``lth``    fixed ratio ``prune_ratio`` of every tensor's alive weights (layer-wise, as the
           reference's LTH path); each iteration trains ``iter_epochs`` epochs
``sap``    global ratio from the PQ index of the alive weights
           (:func:`~hyperprune.pruning.incop.pq_index.pq_prune_ratio`), one global ``|w|`` pivot;
           each iteration trains ``iter_epochs`` epochs
``if``     as ``sap``, but an iteration ends early at the first epoch end where the L2
           distance between the current and the dense (post-warm-up) model's layer-correlation
           vector (:func:`~hyperprune.pruning.incop.flow_stats.correlation_flow`) is below ``epsilon``
``gf``     as ``if`` with the per-layer mean ``|grad|`` of real gradients of the same fixed
           held-out batches (:func:`~hyperprune.pruning.incop.flow_stats.gradient_flow`); the
           distance is relative (divided by the dense vector's norm), since raw gradient
           sizes depend on the model and the loss scale
=========  ==================================================================================

Statistics use ``stat_batches`` fixed batches of the held-out split (the reference recomputed
them over the whole training set twice per epoch, and its gradient signal re-read stale
``.grad`` buffers and compared a norm with a mean; here both sides are the same statistic of
fresh gradients).

Budget: the first prune event happens at the end of the warm-up (shortened if the run, of
``total_epochs``, is too short to hold it and one iteration). Events can happen up to epoch
``total - iter_epochs``; an event at that last slot prunes exactly to the target whatever the
adaptive ratio says. No event prunes past the target: a ratio that would overshoot is clipped.
Once the target is reached the pruned network trains for the whole run: the clock
(:mod:`hyperprune.pruning.core.clock`) starts at the last prune-and-rewind event, and the
warm-up and iterations before it are the cost of finding the mask.

Example::

    run = TrainingRun(spec, method="incop", sparsity=0.8,
                      hparams={"criterion": "if", "p": 0.5, "q": 1.0, "epsilon": 0.05})
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hyperprune.pruning.core.clock import Clock
from hyperprune.pruning.core.constraints import Constraint
from hyperprune.pruning.core.cost import STEP_PASSES
from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.core.kept_count import kept_count
from hyperprune.pruning.core.layer_sets import layer_names
from hyperprune.pruning.core.method import PruneContext, PruningMethod
from hyperprune.pruning.core.prune_schedule import last_event_epoch
from hyperprune.pruning.core.rewind import restore, snapshot
from hyperprune.pruning.core.top_k import magnitude_scores, prune_to
from hyperprune.pruning.incop.flow_stats import correlation_flow, flow_distance, gradient_flow
from hyperprune.pruning.incop.pq_index import check_orders, pq_prune_ratio


class InCoP(PruningMethod):
    name = "incop"
    summary = "iterative pruning with PQ-index adaptive ratios and information/gradient-flow stops"
    HPARAMS = (
        HParam("p", "float", 0.5, 0.1, 1.0, step=0.1, help="lower norm order of the PQ index (p < q)"),
        HParam("q", "float", 1.0, 1.0, 2.0, step=0.1, help="upper norm order of the PQ index"),
        HParam("eta", "float", 0.0, 0.0, 2.0, help="PQ-index slack: larger prunes more each iteration"),
        HParam("cap", "float", 0.9, 0.1, 0.99, help="largest fraction of alive weights pruned at once"),
        HParam("criterion", "choice", "sap", choices=("lth", "sap", "if", "gf"),
               help="lth: fixed layer-wise ratio; sap: PQ ratio; if/gf: PQ ratio + flow-based stop"),
        HParam("epsilon", "float", 0.1, 1e-4, 10.0, log=True,
               help="if/gf: end an iteration once the flow distance to the dense model is below this"),
        HParam("warmup_epochs", "int", 1, 1, 10, step=1, help="dense epochs before the first prune"),
        HParam("iter_epochs", "int", 2, 1, 10, step=1, help="epochs of training per iteration (at most)"),
        HParam("prune_ratio", "float", 0.2, 0.1, 0.5, help="lth: fraction of alive weights per iteration"),
        HParam("stat_batches", "int", 4, 1, 16, step=1, help="held-out batches for the flow statistics"),
    )
    CONSTRAINTS = (Constraint("p", "<", "q"),)

    COST_HPARAMS = ("stat_batches",)

    @classmethod
    def extra_passes(cls, hp, shape):
        # if/gf: one flow statistic per epoch end (the dense one at the warm-up's end, then the
        # current model's), each a loss and its gradients on stat_batches held-out batches
        if hp["criterion"] not in ("if", "gf"):
            return 0.0
        return float(STEP_PASSES * hp["stat_batches"])

    def __init__(self, sparsity: float, hparams: dict[str, Any] | None = None) -> None:
        super().__init__(sparsity, hparams)
        check_orders(self.hp["p"], self.hp["q"])
        self.warmup_end = 1
        self.deadline = 1
        self.target_keep = 0
        self.start: dict[str, torch.Tensor] | None = None
        self.dense_stats: torch.Tensor | None = None
        self.last_event = 0
        self.done = False
        self.events: list[dict[str, Any]] = []
        self.distances: list[dict[str, float]] = []

    @classmethod
    def effective_hparams(cls, hp):
        flow = hp.get("criterion") in ("if", "gf")
        inert = set() if flow else {"epsilon", "stat_batches"}
        inert |= {"p", "q", "eta", "cap"} if hp.get("criterion") == "lth" else {"prune_ratio"}
        return {k: v for k, v in hp.items() if k not in inert}

    def clock(self) -> Clock:
        if self.done:
            return Clock(self.last_event, self.last_event)
        return Clock(self.last_event, None, restarts=True)

    def prunable_names(self, model: nn.Module, task_kind: str) -> list[str]:
        return layer_names(model, task_kind, "all")

    def setup(self, ctx: PruneContext) -> None:
        super().setup(ctx)
        tail = self.hp["iter_epochs"]
        self.warmup_end = min(self.hp["warmup_epochs"], max(1, ctx.total_epochs - tail))
        self.deadline = last_event_epoch(self.warmup_end, tail, ctx.total_epochs)
        self.target_keep = kept_count(self.masks.total(), self.sparsity)
        self.done = self.target_keep == self.masks.total()

    # -- statistics ---------------------------------------------------------------------------
    def flow_stats(self) -> torch.Tensor:
        """The criterion's statistic vector for the current model (``if`` or ``gf``)."""
        batches = self.ctx.batches("heldout", self.hp["stat_batches"])
        if self.hp["criterion"] == "if":
            return correlation_flow(self.ctx.model, batches, self.ctx.loss)
        return gradient_flow(self.ctx.model, self.masks, batches, self.ctx.loss)

    def uses_flow(self) -> bool:
        return self.hp["criterion"] in ("if", "gf")

    def alive_weights(self) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1)[m.reshape(-1)] for _, p, m in self.masks])

    # -- hooks --------------------------------------------------------------------------------
    def at_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if self.done or epoch < self.warmup_end:
            return
        distance = None
        if epoch == self.warmup_end and self.start is None:
            self.start = snapshot(self.ctx.model)
            if self.uses_flow():
                self.dense_stats = self.flow_stats()
            due = True
        else:
            due = epoch - self.last_event >= self.hp["iter_epochs"]
            if self.uses_flow():
                distance = flow_distance(self.flow_stats(), self.dense_stats,
                                         relative=self.hp["criterion"] == "gf")
                self.distances.append({"epoch": epoch, "distance": distance})
                due = due or distance < self.hp["epsilon"]
        if due or epoch >= self.deadline:
            self._prune(epoch, final=epoch >= self.deadline, distance=distance)

    def _prune(self, epoch: int, final: bool, distance: float | None) -> None:
        alive = self.masks.kept()
        if final:
            ratio = 1.0 - self.target_keep / alive if alive else 0.0
        elif self.hp["criterion"] == "lth":
            ratio = self.hp["prune_ratio"]
        else:
            hp = self.hp
            ratio = pq_prune_ratio(self.alive_weights(), hp["p"], hp["q"], hp["eta"], hp["cap"])
        n_keep = max(self.target_keep, alive - int(round(ratio * alive)))
        scope = "layerwise" if self.hp["criterion"] == "lth" else "global"
        prune_to(self.masks, magnitude_scores(self.masks), n_keep, scope)
        self.done = self.masks.kept() <= self.target_keep
        restore(self.ctx.model, self.start, self.masks)
        self.ctx.optimizer = self.ctx.reset_optimizer()
        self.last_event = epoch
        self.events.append({"epoch": epoch, "ratio": ratio, "sparsity": self.masks.sparsity(),
                            "distance": distance, "final": final})

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "masks": self.masks.state_dict(),
            "start": None if self.start is None else {k: v.clone() for k, v in self.start.items()},
            "dense_stats": None if self.dense_stats is None else self.dense_stats.clone(),
            "last_event": self.last_event,
            "done": self.done,
            "events": [dict(e) for e in self.events],
            "distances": [dict(d) for d in self.distances],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.masks.load_state_dict(state["masks"])
        self.start = None if state["start"] is None else {k: v.clone() for k, v in state["start"].items()}
        self.dense_stats = None if state["dense_stats"] is None else state["dense_stats"].clone()
        self.last_event = int(state["last_event"])
        self.done = bool(state["done"])
        self.events = [dict(e) for e in state["events"]]
        self.distances = [dict(d) for d in state["distances"]]
