"""Keeping optimizer state consistent with the masks of dynamic sparse training.

Masked weights must stay exactly zero, averaged copies included: ``torch.optim.ASGD`` keeps a
running average ``ax`` of every weight, which it updates from the raw (not yet re-masked)
weight inside ``step``; left alone, a masked weight's average drifts away from zero, and the
averaged model that NT-ASGD evaluates and saves would not be sparse. After every step the
masked entries of ``ax`` are zeroed, and when a weight dies all its per-weight state (momentum
buffer, ``ax``, Adam moments) is reset so a later regrowth starts clean.

Example::

    mask_averages(optimizer, masks)                  # after each optimizer step
    reset_state(optimizer, param, died)              # after a topology update
    buffer = momentum_of(optimizer, param)           # None when the optimizer has none
"""

from __future__ import annotations

import torch

from hyperprune.pruning.core.masks import MaskSet

#: per-weight tensors of torch optimizers that hold averaged weights
AVERAGE_KEYS = ("ax",)
#: per-weight first-moment buffers, in order of preference
MOMENTUM_KEYS = ("momentum_buffer", "exp_avg")


@torch.no_grad()
def mask_averages(optimizer: torch.optim.Optimizer, masks: MaskSet) -> None:
    """Zero the masked entries of averaged weights (ASGD ``ax``)."""
    for _, param, mask in masks:
        state = optimizer.state.get(param)
        if not state:
            continue
        for key in AVERAGE_KEYS:
            value = state.get(key)
            if isinstance(value, torch.Tensor) and value.shape == param.shape:
                value.masked_fill_(~mask, 0.0)


@torch.no_grad()
def reset_state(optimizer: torch.optim.Optimizer, param: torch.Tensor, where: torch.Tensor) -> None:
    """Zero every per-weight optimizer tensor of ``param`` at the positions ``where``."""
    state = optimizer.state.get(param)
    if not state:
        return
    for value in state.values():
        if isinstance(value, torch.Tensor) and value.shape == param.shape:
            value.masked_fill_(where, 0.0)


def momentum_of(optimizer: torch.optim.Optimizer, param: torch.Tensor) -> torch.Tensor | None:
    """The optimizer's momentum (first-moment) buffer of ``param``, or None."""
    state = optimizer.state.get(param) or {}
    for key in MOMENTUM_KEYS:
        value = state.get(key)
        if isinstance(value, torch.Tensor) and value.shape == param.shape:
            return value
    return None
