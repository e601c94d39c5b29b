"""The early mask search family: find one mask early, rewind, then train the masked network.

Every method of the family (SNIP, MagSign, random, simulated annealing) works the same way:

1. train the *dense* network for ``score_epoch`` = K epochs (K = 0: the mask is found at
   setup, from the initial weights);
2. choose a mask over *units* (single weights, or whole conv filters with
   ``structure=filters``) with an exact kept count (:mod:`hyperprune.pruning.units`);
3. with ``rewind`` (default), put every parameter and buffer back to its value at init,
   apply the mask and rebuild the optimizer (``ctx.reset_optimizer()``); without it, keep the
   epoch-K weights, masked, and the current optimizer;
4. train the masked network to the end of the run; the mask never changes again.

When K >= ``ctx.total_epochs`` the search is moved to the end of epoch ``total_epochs - 1``
(or to setup when the run has a single epoch), so that the masked network trains at least
one epoch and the target sparsity holds at the end of the run; it is also moved no later than
``ctx.prune_by`` (a search's first rung), so the network is sparse whenever it is ranked.

A subclass implements :meth:`EarlyMaskMethod.scores` (higher = keep) or, for a search,
overrides :meth:`EarlyMaskMethod.choose`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.hparams import HParam
from hyperprune.pruning.masks import MaskSet
from hyperprune.pruning.method import PruneContext, PruningMethod
from hyperprune.pruning.structured import FilterMaskSet, filter_layers
from hyperprune.pruning.units import UnitSpace


def early_hparams(score_epoch: int = 0) -> tuple[HParam, ...]:
    """The hyperparameters every early mask method has (``score_epoch`` default per method)."""
    return (
        HParam("structure", "choice", "unstructured", choices=("unstructured", "filters"),
               help="unstructured: single weights; filters: whole conv output filters, the same "
                    "fraction in every conv layer (CNN only)"),
        HParam("score_epoch", "int", score_epoch, low=0, high=5, step=1,
               help="dense epochs before the mask is chosen (0: at init); at most total_epochs - 1"),
        HParam("rewind", "bool", True,
               help="after choosing the mask, rewind the weights to init and reset the optimizer"),
    )


def _state_copy(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


class EarlyMaskMethod(PruningMethod):
    """Base class of the family: when to search, exact top-k keep, rewind to init, state."""

    HPARAMS = early_hparams()
    #: how kept counts of unstructured masks are allocated ("global" or "layerwise")
    scope: str = "global"

    def __init__(self, sparsity: float, hparams: dict[str, Any] | None = None) -> None:
        super().__init__(sparsity, hparams)
        if not 0.0 <= self.sparsity < 1.0:
            raise UserError(f"{self.name}: sparsity must be in [0, 1), got {self.sparsity}")
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
        if self.structure == "filters":
            if ctx.task_kind != "classifier":
                raise UserError(f"{self.name}: structure=filters needs the CNN; language models take "
                                "structure=unstructured")
            self.masks = FilterMaskSet(model, filter_layers(model))
            shapes = {layer.conv_weight: (layer.out_channels,) for layer in self.masks.layers}
            self.space = UnitSpace.build(shapes, self.sparsity, "layerwise", minimum_per_layer=1)
        else:
            self.masks = MaskSet(model, self.prunable_names(model, ctx.task_kind))
            shapes = {name: param.shape for name, param, _ in self.masks}
            self.space = UnitSpace.build(shapes, self.sparsity, self.scope)
        seed = int(torch.randint(0, 2**62, (1,), generator=ctx.generator))
        self.rng = torch.Generator().manual_seed(seed)
        self.init_state = _state_copy(model)
        self.mask_epoch = min(int(self.hp["score_epoch"]), ctx.prune_by, max(ctx.total_epochs - 1, 0))
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
        return {name: param.detach().abs().clone() for name, param, _ in self.masks}

    def to_units(self, scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Per-weight scores reduced to units: unchanged, or per filter the mean of its weights."""
        if self.structure == "filters":
            return {name: scores[name].flatten(1).mean(dim=1) for name in self.space.names}
        return scores

    def choose(self) -> dict[str, torch.Tensor]:
        """The kept units (bool tensors of unit shape): the top scores, exact count."""
        return self.space.top(self.to_units(self.scores()))

    # -- mask machinery ------------------------------------------------------------------------
    def set_units(self, units: dict[str, torch.Tensor]) -> None:
        """Write unit masks (weights or filters) into ``self.masks`` and apply them."""
        if isinstance(self.masks, FilterMaskSet):
            self.masks.set_filters([units[name] for name in self.space.names])
        else:
            for name, param, _ in self.masks:
                self.masks.masks[name] = units[name].to(param.device, torch.bool).clone()
        self.masks.apply()

    def current_units(self) -> dict[str, torch.Tensor]:
        if isinstance(self.masks, FilterMaskSet):
            return dict(zip(self.space.names, self.masks.filters(), strict=True))
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
