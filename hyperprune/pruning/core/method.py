"""The protocol every pruning method implements, and the context the trainer hands it.

A method is one file with one subclass of :class:`PruningMethod`. The trainer calls the hooks
in this order::

    method.setup(ctx)                       # once, after the model is built (masks, init copy)
    for epoch in range(1, total_epochs + 1):
        method.before_epoch(epoch)                      # e.g. DST's topology update
        for batch in train batches:
            loss = task loss + method.penalty()         # penalty may be None
            loss.backward()
            method.before_step()                        # e.g. mask or record gradients
            clip gradients; optimizer.step()
            method.after_step()                         # default: re-apply the masks
        method.at_epoch_end(epoch, metrics)             # prune, rewind...
        method.masks.apply()
        measure the network (loss, spectrum, sparsity)

An epoch is measured after ``at_epoch_end``: the network that is evaluated is the one that
trains on. A change that explores the topology rather than prunes (DST's prune-and-regrow,
whose regrown weights start at zero) belongs to ``before_epoch`` of the next epoch, so the
measured network has trained weights at every kept position and its sparsity counted from
the weights equals the mask's.

The target sparsity passes :func:`~hyperprune.pruning.core.sparsity.check_sparsity` when the
method is built (0 included: a run that prunes nothing).

Methods differ only in which hooks they use. ``state_dict`` must carry everything needed to
continue bit-for-bit after a restore (masks, counters, coefficients, RNG state of their own).
The target sparsity must be reached by the end of epoch ``ctx.prune_by`` (at most
``ctx.total_epochs``; a search sets it to its first rung, so that no candidate is ranked while
still dense), counted from the weights over ``self.masks``, and masked weights must stay exactly
zero after every step. Prune events are scheduled within ``prune_by`` epochs; anything that
decays over the whole run (DST's death rate) still spans ``total_epochs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn

from hyperprune.pruning.core.constraints import Constraint, check_constraints
from hyperprune.pruning.core.cost import EpochShape, WorkCounter
from hyperprune.pruning.core.hparams import HParam, resolve
from hyperprune.pruning.core.masks import MaskSet, select_parameters
from hyperprune.pruning.core.sparsity import check_sparsity

Batch = tuple[torch.Tensor, torch.Tensor]


@dataclass
class PruneContext:
    """What a method may use from the training run.

    ``batches(split, n)`` returns ``n`` fixed batches of ``split`` ("train" or "heldout", a slice
    of the training data never used for early-stopping decisions on the first batch only);
    ``loss(model, batch)`` is the mean task loss of one batch (language models start from a
    zero hidden state); ``evaluate(model, batches)`` is the mean loss in eval mode without
    gradients; ``reset_optimizer()`` rebuilds the optimizer (used when rewinding).
    """

    model: nn.Module
    optimizer: torch.optim.Optimizer
    task_kind: str  # "lm" or "classifier"
    total_epochs: int
    steps_per_epoch: int
    generator: torch.Generator
    batches: Callable[[str, int], list[Batch]]
    loss: Callable[[nn.Module, Batch], torch.Tensor]
    evaluate: Callable[[nn.Module, list[Batch]], float]
    reset_optimizer: Callable[[], torch.optim.Optimizer]
    extras: dict[str, Any] = field(default_factory=dict)
    prune_by: int = 0  # epoch by which the target is reached; 0: total_epochs
    #: passes the method spends beyond training (see hyperprune.pruning.core.cost)
    work: WorkCounter = field(default_factory=lambda: WorkCounter(EpochShape(steps=1, batch_items=1)))

    def __post_init__(self) -> None:
        self.prune_by = min(self.prune_by or self.total_epochs, self.total_epochs)


class PruningMethod:
    """Base class: holds the target sparsity, resolved hyperparameters and the masks."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    HPARAMS: ClassVar[tuple[HParam, ...]] = ()
    #: relations between hyperparameters that every configuration must satisfy
    CONSTRAINTS: ClassVar[tuple[Constraint, ...]] = ()
    #: task kinds this method applies to ("lm", "classifier")
    task_kinds: ClassVar[frozenset[str]] = frozenset({"lm", "classifier"})
    #: parameter groups pruned by default, per task kind (see masks.parameter_groups)
    default_groups: ClassVar[dict[str, tuple[str, ...]]] = {
        "lm": ("embedding", "recurrent", "decoder"),
        "classifier": ("conv", "linear"),
    }

    #: hyperparameters that raise :meth:`extra_passes` (a search space may narrow their ranges)
    COST_HPARAMS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def extra_passes(cls, hp: dict[str, Any], shape: EpochShape) -> float:
        """The most forward passes (see :mod:`hyperprune.pruning.core.cost`) this method adds to a
        single epoch beyond training it, with hyperparameters ``hp``; an upper bound."""
        return 0.0

    @classmethod
    def effective_hparams(cls, hp: dict[str, Any]) -> dict[str, Any]:
        """``hp`` without the hyperparameters that cannot change what this configuration does (a
        search trains two proposals with equal effective hyperparameters once); by default all."""
        return dict(hp)

    def __init__(self, sparsity: float, hparams: dict[str, Any] | None = None) -> None:
        self.sparsity = check_sparsity(sparsity, f"{self.name}: sparsity", allow_zero=True)
        self.hp = resolve(self.HPARAMS, dict(hparams or {}), where=f"{self.name}: ")
        check_constraints(self.CONSTRAINTS, self.hp, where=f"{self.name}: ")
        self.masks: MaskSet | None = None
        self.ctx: PruneContext | None = None

    # -- hooks -------------------------------------------------------------------------------
    def prunable_names(self, model: nn.Module, task_kind: str) -> list[str]:
        return select_parameters(model, self.default_groups[task_kind])

    def setup(self, ctx: PruneContext) -> None:
        self.ctx = ctx
        self.masks = MaskSet(ctx.model, self.prunable_names(ctx.model, ctx.task_kind))

    def before_epoch(self, epoch: int) -> None:
        pass

    def penalty(self) -> torch.Tensor | None:
        return None

    def before_step(self) -> None:
        pass

    def after_step(self) -> None:
        self.masks.apply()

    def at_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def on_optimizer_change(self, optimizer: torch.optim.Optimizer) -> None:
        self.ctx.optimizer = optimizer

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"masks": self.masks.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.masks.load_state_dict(state["masks"])
