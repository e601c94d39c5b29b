"""Redistribution of the regrowth budget of dynamic sparse training across units.

After the death step every unit has lost some weights; together they lost ``R``. The
redistribution mode decides where those ``R`` weights grow back:

``none``       each unit regrows exactly what it lost (its density never changes);
``magnitude``  in proportion to the mean ``|w|`` of the unit's alive weights;
``nonzeros``   in proportion to the unit's count of alive weights;
``momentum``   in proportion to the mean ``|momentum|`` over the unit's alive weights.

Shares are measured before the death step (as the reference did). No unit may receive more
than its free slots; what a full unit cannot take goes to the others, and the total regrown
is always exactly ``R``, so the global sparsity stays exactly at the target.

Example::

    shares = unit_shares("magnitude", weights, masks, momenta=None)
    counts = regrowth_counts("magnitude", removed=[5, 3], free=[40, 10], shares=shares)
"""

from __future__ import annotations

import torch

from hyperprune.pruning.core.allocation import proportional_allocation

REDISTRIBUTION_MODES = ("none", "magnitude", "nonzeros", "momentum")


def _mean_abs_alive(values: torch.Tensor, mask: torch.Tensor) -> float:
    alive = int(mask.sum())
    return float(values[mask].abs().sum()) / alive if alive else 0.0


def unit_shares(mode: str, weights: list[torch.Tensor], masks: list[torch.Tensor],
                momenta: list[torch.Tensor] | None) -> list[float]:
    """Per-unit share of the regrowth budget (flat views of weights, masks, momenta)."""
    if mode == "none":
        return [0.0] * len(masks)
    if mode == "magnitude":
        return [_mean_abs_alive(w, m) for w, m in zip(weights, masks, strict=True)]
    if mode == "nonzeros":
        return [float(m.sum()) for m in masks]
    if mode == "momentum":
        if momenta is None:
            raise ValueError("momentum redistribution needs momentum values")
        return [_mean_abs_alive(v, m) for v, m in zip(momenta, masks, strict=True)]
    raise ValueError(f"unknown redistribution {mode!r}; choose one of {REDISTRIBUTION_MODES}")


def regrowth_counts(mode: str, removed: list[int], free: list[int], shares: list[float]) -> list[int]:
    """How many weights each unit regrows; the sum is exactly ``sum(removed)``."""
    if mode == "none":
        return list(removed)
    return proportional_allocation(sum(removed), shares, free)
