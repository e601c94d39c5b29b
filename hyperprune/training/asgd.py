"""Non-monotonically triggered averaged SGD (NT-ASGD, Merity et al.) with masked averages.

Training starts with SGD; when the validation loss is worse than the best loss seen before
the last ``nonmono`` epochs, the optimizer switches to ``torch.optim.ASGD`` (t0=0, lambd=0),
which keeps a running average ``ax`` of every parameter. Evaluation and saved weights then
use the averages. ASGD averages a parameter right after its own update, before the pruning
method re-applies the masks, so the averages of pruned weights are masked again here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from hyperprune.pruning import MaskSet


def should_switch(val_losses: list[float], val_loss: float, nonmono: int) -> bool:
    """AWD-LSTM rule: switch when ``val_loss`` exceeds the best loss before the last ``nonmono``."""
    earlier = val_losses[: len(val_losses) - nonmono]
    return len(val_losses) > nonmono and bool(earlier) and val_loss > min(earlier)


def make_asgd(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.ASGD:
    return torch.optim.ASGD(model.parameters(), lr=lr, t0=0, lambd=0.0, weight_decay=weight_decay)


def averaged_state(optimizer: torch.optim.Optimizer, model: nn.Module,
                   masks: MaskSet | None) -> dict[nn.Parameter, torch.Tensor]:
    """Parameter -> its masked running average (parameters not yet averaged are left out)."""
    mask_of = {id(p): m for _, p, m in masks} if masks is not None else {}
    if hasattr(masks, "companion_masks"):  # biases of removed hidden units
        mask_of.update({id(p): m for p, m in masks.companion_masks().items()})
    out = {}
    for param in model.parameters():
        ax = optimizer.state.get(param, {}).get("ax")
        if ax is None:
            continue
        mask = mask_of.get(id(param))
        out[param] = ax.masked_fill(~mask, 0.0) if mask is not None else ax.clone()
    return out


@contextmanager
def swapped_in(averages: dict[nn.Parameter, torch.Tensor]) -> Iterator[None]:
    """Temporarily copy ``averages`` into their parameters; restore the raw weights after."""
    saved = {}
    with torch.no_grad():
        for param, avg in averages.items():
            saved[param] = param.detach().clone()
            param.copy_(avg)
    try:
        yield
    finally:
        with torch.no_grad():
            for param, raw in saved.items():
                param.copy_(raw)
