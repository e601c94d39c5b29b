"""Per-layer allocation of a kept count: how a method spreads its sparsity over layers.

Declared once (:func:`allocation_hparams`) and used by every method that takes it, so a
search space can choose it like any other hyperparameter:

``global``   one ranking over all layers; a layer keeps what its scores earn;
``uniform``  every layer keeps the same fraction of its units;
``ER``       a layer's kept fraction is proportional to ``(rows + cols) / (rows * cols)`` of
             its weight (Erdos-Renyi: small layers stay denser);
``ERK``      the same with every dimension of the weight (``sum(shape) / prod(shape)``).

``min_layer_density_ratio`` / ``max_layer_density_ratio`` bound the kept fraction of every
layer relative to the target density (at least one unit per layer where the structure needs
it). The counts come from the one largest-remainder allocator of the project
(:func:`~hyperprune.pruning.core.allocation.bounded_allocation`); the ER/ERK shares
(:func:`er_shares`) are also those of DST's sparse initialisation. The counts always add up to
the kept total.

Example::

    layer_counts([100, 300], [(400, 200), (1200, 600)], keep=200, allocation="ER")
"""

from __future__ import annotations

import math

from hyperprune.errors import UserError
from hyperprune.pruning.core.allocation import bounded_allocation
from hyperprune.pruning.core.hparams import HParam

ALLOCATIONS = ("global", "uniform", "ER", "ERK")
#: the old name of ``uniform`` (``scope=layerwise``)
ALIASES = {"layerwise": "uniform"}


def allocation_hparams(default: str = "global") -> tuple[HParam, ...]:
    """The allocation hyperparameters every method that takes them declares.

    The bounds are relative to the target density ``d = 1 - sparsity`` so that every
    combination is feasible at every sparsity: a layer keeps at least
    ``min_layer_density_ratio * d`` and at most ``min(1, max_layer_density_ratio * d)`` of its
    units (1 and 1: exactly uniform).
    """
    return (
        HParam("allocation", "choice", default, choices=ALLOCATIONS,
               help="how the kept count is spread over layers: global ranking, uniform fraction, "
                    "ER or ERK (smaller layers denser)"),
        HParam("min_layer_density_ratio", "float", 0.0, low=0.0, high=1.0,
               help="every layer keeps at least this multiple of the target density"),
        HParam("max_layer_density_ratio", "float", 100.0, low=1.0, high=100.0,
               help="no layer keeps more than this multiple of the target density (100: no cap "
                    "below 99 % sparsity)"),
    )


def density_bounds(hp: dict, sparsity: float) -> tuple[float, float]:
    """Absolute per-layer density bounds from a method's resolved ratio hyperparameters."""
    density = 1.0 - float(sparsity)
    return hp["min_layer_density_ratio"] * density, min(1.0, hp["max_layer_density_ratio"] * density)


def canonical(allocation: str) -> str:
    allocation = ALIASES.get(allocation, allocation)
    if allocation not in ALLOCATIONS:
        raise UserError(f"unknown allocation {allocation!r}; choose one of: {', '.join(ALLOCATIONS)}")
    return allocation


def layer_bounds(sizes: list[int], min_density: float = 0.0, max_density: float = 1.0,
                 minimum: int = 0) -> tuple[list[int], list[int]]:
    """Per layer the fewest and most units it may keep under the density bounds.

    Floors round down and caps round up, so bounds around the target density stay feasible.
    """
    if min_density > max_density:
        raise UserError(f"minimum layer density {min_density:g} is above the maximum {max_density:g}")
    floors = [min(s, max(minimum, math.floor(min_density * s + 1e-9))) for s in sizes]
    caps = [max(f, min(s, math.ceil(max_density * s - 1e-9))) for f, s in zip(floors, sizes, strict=True)]
    return floors, caps


def er_scale(shape: tuple[int, ...], mode: str) -> float:
    """Unnormalised density of a tensor under ER / ERK (``eps`` multiplies it).

    ER: ``(rows + cols) / (rows * cols)`` (for conv kernels the output/input channels, the kernel
    ignored); ERK: ``sum(shape) / prod(shape)``, kernel dimensions included (equal to ER in 2-D).
    """
    if len(shape) < 2:
        return 1.0
    if mode == "ERK":
        return sum(shape) / math.prod(shape)
    rows, cols = shape[0], shape[1]
    return (rows + cols) / (rows * cols)


def er_shares(shapes: list[tuple[int, ...]], sizes: list[int], mode: str) -> list[float]:
    """Per layer its ER/ERK share of a kept count: ``er_scale(shape) * size``."""
    return [er_scale(tuple(shape), mode) * size for shape, size in zip(shapes, sizes, strict=True)]


def layer_counts(sizes: list[int], shapes: list[tuple[int, ...]], keep: int, allocation: str,
                 floors: list[int], caps: list[int]) -> list[int]:
    """Kept units per layer for ``uniform``/``ER``/``ERK`` (``shapes``: each layer's weight shape)."""
    allocation = canonical(allocation)
    if allocation == "global":
        raise ValueError("global allocation has no fixed per-layer counts")
    if allocation == "uniform":
        shares = [float(s) for s in sizes]
    else:
        shares = er_shares(shapes, sizes, allocation)
    return bounded_allocation(keep, shares, floors, caps)
