"""Sparse initialisation of dynamic sparse training: how many weights each unit keeps.

Three distributions of the global budget ``K = round(density * total)`` over the units:

``uniform``  every unit at the target density (``round(density * numel)`` weights each);
``ER``       Erdos-Renyi: ``density_u = eps * (rows + cols) / (rows * cols)``; for conv
             kernels rows/cols are the output/input channels (the kernel is ignored);
``ERK``      Erdos-Renyi-Kernel: ``eps * sum(shape) / prod(shape)``, counting the kernel
             dimensions of conv weights too; equal to ER for 2-D weights.

``eps`` is solved in closed form, not by the reference's iterative search: units whose
density would exceed 1 are made dense and ``eps`` is re-solved over the rest until none
exceeds 1. The real-valued counts are then rounded by largest remainder so the total kept
count is exactly ``K`` and every unit is within one weight of its ideal share
(:mod:`~hyperprune.pruning.core.allocation`); the ER/ERK scales are those of per-layer
allocation (:func:`~hyperprune.pruning.core.layer_allocation.er_scale`). The kept
positions are drawn uniformly without replacement from the method's generator (the
reference drew a Bernoulli per weight, so its density was only right on average).

Example::

    counts = init_counts(units, density=0.33, mode="ER")
    sample_masks(masks, units, counts, generator)
"""

from __future__ import annotations

import torch

from hyperprune.pruning.core.allocation import capped_scale, proportional_allocation
from hyperprune.pruning.core.kept_count import kept_at_density
from hyperprune.pruning.core.layer_allocation import er_scale, er_shares
from hyperprune.pruning.dst.units import Unit

INIT_MODES = ("uniform", "ER", "ERK")


def _shares(units: list[Unit], mode: str) -> list[float]:
    return er_shares([u.shape for u in units], [u.numel for u in units], mode)


def er_epsilon(units: list[Unit], kept_total: float, mode: str) -> tuple[float, set[int]]:
    """Solve ``sum_u min(1, eps * scale_u) * numel_u == kept_total``; returns (eps, dense units)."""
    return capped_scale(kept_total, _shares(units, mode), [u.numel for u in units])


def init_counts(units: list[Unit], density: float, mode: str) -> list[int]:
    """Kept weights per unit; their sum is exactly ``round(density * total)`` for ER/ERK."""
    if mode not in INIT_MODES:
        raise ValueError(f"unknown sparse_init {mode!r}; choose one of {INIT_MODES}")
    sizes = [u.numel for u in units]
    if mode == "uniform":
        return [kept_at_density(n, density) for n in sizes]
    return proportional_allocation(kept_at_density(sum(sizes), density), _shares(units, mode), sizes)


def init_densities(units: list[Unit], density: float, mode: str) -> list[float]:
    """The real-valued densities behind :func:`init_counts` (for reports and tests)."""
    if mode == "uniform":
        return [density] * len(units)
    eps, dense = er_epsilon(units, density * sum(u.numel for u in units), mode)
    return [1.0 if i in dense else eps * er_scale(u.shape, mode) for i, u in enumerate(units)]


@torch.no_grad()
def sample_masks(masks: dict[str, torch.Tensor], units: list[Unit], counts: list[int],
                 generator: torch.Generator) -> None:
    """Set each unit's mask to exactly ``count`` kept positions drawn uniformly at random."""
    for unit, count in zip(units, counts, strict=True):
        view = unit.view(masks[unit.name])
        view.fill_(False)
        chosen = torch.randperm(unit.numel, generator=generator)[:count]
        view[chosen.to(view.device)] = True
