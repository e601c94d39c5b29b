"""The early mask search family: find one mask early, rewind, then train the masked network.

Every method of the family (SNIP, MagSign, random, simulated annealing) works the same way:

1. train the *dense* network for ``score_epoch`` = K epochs (K = 0: the mask is found at
   setup, from the initial weights);
2. choose a mask over *units* (single weights, whole conv filters with ``structure=filters``,
   or whole hidden units of the recurrent layers with ``structure=units``) with an exact kept
   count spread over layers by ``allocation`` (:mod:`hyperprune.pruning.early.unit_space`,
   :mod:`hyperprune.pruning.core.layer_allocation`);
3. with ``rewind`` (default), put every parameter and buffer back to its value at init,
   apply the mask and rebuild the optimizer (``ctx.reset_optimizer()``); without it, keep the
   epoch-K weights, masked, and the current optimizer;
4. train the masked network to the end of the run; the mask never changes again.

With ``rewind`` the run's clock (:mod:`hyperprune.pruning.core.clock`) starts at the rewind:
the K score epochs are the cost of finding the mask, and the masked network then trains for
the whole run. Without it the pruned weights keep training, the clock counts from init, and K
must come before the end of the run (K >= ``ctx.total_epochs`` is moved to the end of epoch
``total_epochs - 1``, or to setup for a single epoch); a search narrows K to before its first
rung for such configurations.

A subclass implements :meth:`EarlyMaskMethod.scores` (higher = keep) or, for a search,
overrides :meth:`EarlyMaskMethod.choose`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.core.clock import Clock
from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.core.layer_allocation import allocation_hparams, density_bounds
from hyperprune.pruning.core.masks import MaskSet
from hyperprune.pruning.core.method import PruneContext, PruningMethod
from hyperprune.pruning.core.top_k import magnitude_scores
from hyperprune.pruning.early.unit_space import UnitSpace, hidden_unit_space
from hyperprune.pruning.structured.filters import FilterMaskSet, filter_layers
from hyperprune.pruning.structured.hidden_units import UnitMaskSet, unit_scores


def early_hparams(score_epoch: int = 0) -> tuple[HParam, ...]:
    """The hyperparameters every early mask method has (``score_epoch`` default per method)."""
    return (
        HParam("structure", "choice", "unstructured", choices=("unstructured", "filters", "units"),
               help="unstructured: single weights; filters: whole conv output filters (CNN only; "
                    "allocation global means uniform); units: whole hidden units of the recurrent "
                    "layers, sparsity counted in units (language models)"),
        HParam("score_epoch", "int", score_epoch, low=0, high=5, step=1,
               help="dense epochs before the mask is chosen (0: at init); without rewind at most total_epochs - 1"),
        HParam("rewind", "bool", True,
               help="after choosing the mask, rewind the weights to init and reset the optimizer"),
    ) + allocation_hparams()


def _state_copy(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


class EarlyMaskMethod(PruningMethod):
    """Base class of the family: when to search, exact top-k keep, rewind to init, state."""

    HPARAMS = early_hparams()
    PRUNE_EPOCH_HPARAM = "score_epoch"

    @classmethod
    def prunes_without_rewind(cls, hp: dict[str, Any]) -> bool:
        return not hp.get("rewind", True)

    @classmethod
    def effective_hparams(cls, hp: dict[str, Any]) -> dict[str, Any]:
        # a mask chosen at init has nothing to rewind from
        if hp.get("score_epoch") == 0:
            return {k: v for k, v in hp.items() if k != "rewind"}
        return dict(hp)

    def clock(self) -> Clock:
        if self.mask_epoch == 0:
            return Clock(0, 0)
        rewinds = bool(self.hp["rewind"])
        if not self.found:
            return Clock(0, None, restarts=rewinds)
        return Clock(self.mask_epoch if rewinds else 0, self.mask_epoch)

    def __init__(self, sparsity: float, hparams: dict[str, Any] | None = None) -> None:
        super().__init__(sparsity, hparams)
        self.structure: str = self.hp["structure"]
        self.space: UnitSpace | None = None
        self.rng: torch.Generator | None = None
        self.init_state: dict[str, torch.Tensor] | None = None
        self.mask_epoch = 0
        self.found = False
        self.info: dict[str, float] = {}

    # -- setup ---------------------------------------------------------------------------------
    def setup(self, ctx: PruneContext) -> None:
        self.ctx = ctx
        model = ctx.model
        allocation, bounds = self.hp["allocation"], density_bounds(self.hp, self.sparsity)
        if self.structure == "filters":
            if ctx.task_kind != "classifier":
                raise UserError(f"{self.name}: structure=filters needs the CNN; language models take "
                                "structure=unstructured or units")
            self.masks = FilterMaskSet(model, filter_layers(model))
            shapes = {layer.conv_weight: (layer.out_channels,) for layer in self.masks.layers}
            weights = {name: tuple(self.masks.params[name].shape) for name in shapes}
            scope = "uniform" if allocation == "global" else allocation
            self.space = UnitSpace.build(shapes, self.sparsity, scope, 1, weights, *bounds)
        elif self.structure == "units":
            self.masks = UnitMaskSet(model)
            self.space = hidden_unit_space(self.masks, self.sparsity, allocation, *bounds)
        else:
            self.masks = MaskSet(model, self.prunable_names(model, ctx.task_kind))
            shapes = {name: param.shape for name, param, _ in self.masks}
            self.space = UnitSpace.build(shapes, self.sparsity, allocation, 0, None, *bounds)
        seed = int(torch.randint(0, 2**62, (1,), generator=ctx.generator))
        self.rng = torch.Generator().manual_seed(seed)
        self.init_state = _state_copy(model)
        self.mask_epoch = int(self.hp["score_epoch"])
        if not self.hp["rewind"]:
            self.mask_epoch = min(self.mask_epoch, max(ctx.total_epochs - 1, 0))
        self.found = False
        if self.mask_epoch == 0:
            self._find_mask()

    def at_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if not self.found and epoch >= self.mask_epoch:
            self._find_mask()

    # -- what subclasses provide -------------------------------------------------------------
    def scores(self) -> dict[str, torch.Tensor]:
        """Per masked parameter, a score per weight (higher = more worth keeping).

        By default the magnitude of the current (epoch-K) weights; methods override it.
        """
        return magnitude_scores(self.masks)

    def to_units(self, scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Per-weight scores reduced to units: unchanged, per filter the mean of its weights, or
        per hidden unit the sum over everything it owns (:func:`unit_scores`)."""
        if self.structure == "filters":
            return {name: scores[name].flatten(1).mean(dim=1) for name in self.space.names}
        if self.structure == "units":
            return unit_scores(self.masks.layers, scores)
        return scores

    def choose(self) -> dict[str, torch.Tensor]:
        """The kept units (bool tensors of unit shape): the top scores, exact count."""
        return self.space.top(self.to_units(self.scores()))

    # -- mask machinery ------------------------------------------------------------------------
    def set_units(self, units: dict[str, torch.Tensor]) -> None:
        """Write unit masks (weights or filters) into ``self.masks`` and apply them."""
        if isinstance(self.masks, FilterMaskSet):
            self.masks.set_filters([units[name] for name in self.space.names])
        elif isinstance(self.masks, UnitMaskSet):
            self.masks.set_units([units[name] for name in self.space.names])
        else:
            for name, param, _ in self.masks:
                self.masks.masks[name] = units[name].to(param.device, torch.bool).clone()
        self.masks.apply()

    def current_units(self) -> dict[str, torch.Tensor]:
        if isinstance(self.masks, FilterMaskSet):
            return dict(zip(self.space.names, self.masks.filters(), strict=True))
        if isinstance(self.masks, UnitMaskSet):
            return dict(zip(self.space.names, self.masks.units(), strict=True))
        return {name: mask.cpu().clone() for name, _, mask in self.masks}

    def _find_mask(self) -> None:
        model = self.ctx.model
        was_training = model.training
        try:
            units = self.choose()
        finally:
            model.train(was_training)
        rewound = bool(self.hp["rewind"]) and self.mask_epoch > 0
        if rewound:
            model.load_state_dict(self.init_state)
        self.set_units(units)
        if rewound:
            self.on_optimizer_change(self.ctx.reset_optimizer())
        self.found = True
        self.init_state = None
        self.info["mask_epoch"] = float(self.mask_epoch)
        self.info["kept_units"] = float(sum(int(u.sum()) for u in units.values()))

    # -- state -----------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "masks": self.masks.state_dict(),
            "found": self.found,
            "rng": self.rng.get_state(),
            "info": dict(self.info),
        }
        if self.init_state is not None:
            state["init"] = {k: v.clone() for k, v in self.init_state.items()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.masks.load_state_dict(state["masks"])
        self.found = bool(state["found"])
        self.rng.set_state(state["rng"])
        self.info = dict(state["info"])
        init = state.get("init")
        self.init_state = {k: v.clone() for k, v in init.items()} if init is not None else None
        if not self.found and self.init_state is None:
            raise UserError(f"{self.name}: checkpoint lacks the initial weights needed to rewind")
