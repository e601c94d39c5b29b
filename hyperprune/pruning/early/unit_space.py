"""Mask units and kept counts: what an early mask chooses between, and exactly how many it keeps.

An early mask search picks a fixed number of *units*. With unstructured masks a unit is one
weight of a masked parameter; with filter masks one output filter of a conv layer; with unit
masks one hidden unit of a recurrent layer (:func:`hidden_unit_space`). :class:`UnitSpace`
fixes the kept count once (from the target sparsity) and keeps it exact:

* ``scope="global"``: one ranking over all units, :func:`~hyperprune.pruning.core.kept_count.kept_count`
  (``round((1 - sparsity) * n)``, at least one) kept in total;
* ``scope="layerwise"`` (``uniform``), ``"ER"`` or ``"ERK"``: fixed per-layer counts from
  :mod:`~hyperprune.pruning.core.layer_allocation`, adding up to the global count exactly.

Optional per-layer density bounds hold for every scope (under ``global``, each layer's top
units up to its floor are kept first, then the global ranking fills the rest below the caps).

Example::

    space = UnitSpace.build({"a": (4, 3), "b": (10,)}, sparsity=0.5, scope="global")
    keep = space.top({"a": torch.rand(4, 3), "b": torch.rand(10)})   # 11 of 22 units kept
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from hyperprune.pruning.core.allocation import check_feasible
from hyperprune.pruning.core.kept_count import kept_count
from hyperprune.pruning.core.layer_allocation import ALIASES, ALLOCATIONS, layer_bounds, layer_counts
from hyperprune.pruning.structured.hidden_units import UnitMaskSet

SCOPES = ("global", "layerwise", *ALLOCATIONS[1:])


def _descending(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` largest scores; ties broken by position, NaN ranked last."""
    clean = torch.nan_to_num(scores.double(), nan=-math.inf)
    order = torch.sort(clean, descending=True, stable=True).indices
    return order[:k]


@dataclass
class UnitSpace:
    """Named unit tensors with a fixed kept count (global) or fixed per-layer counts (layerwise)."""

    names: list[str]
    shapes: list[torch.Size]
    scope: str
    keep: int
    layer_keep: list[int]
    floors: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, shapes: dict[str, tuple[int, ...] | torch.Size], sparsity: float, scope: str = "global",
              minimum_per_layer: int = 0, weight_shapes: dict[str, tuple[int, ...]] | None = None,
              min_density: float = 0.0, max_density: float = 1.0) -> UnitSpace:
        """``weight_shapes``: per layer the weight shape ER/ERK score (default: the unit shape)."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
        scope = ALIASES.get(scope, scope)
        names = list(shapes)
        sizes = [math.prod(shapes[n]) for n in names]
        floors, caps = layer_bounds(sizes, min_density, max_density, minimum_per_layer)
        keep = kept_count(sum(sizes), sparsity)
        keep = max(keep, sum(min(minimum_per_layer, s) for s in sizes))
        check_feasible(keep, floors, caps)
        layer_keep = []
        if scope != "global":
            weights = [tuple((weight_shapes or shapes)[n]) for n in names]
            layer_keep = layer_counts(sizes, weights, keep, scope, floors, caps)
        return cls(names, [torch.Size(shapes[n]) for n in names], scope, keep, layer_keep, floors, caps)

    @property
    def bounded(self) -> bool:
        """Whether per-layer bounds restrict a global ranking."""
        return any(f > 0 for f in self.floors) or any(c < s for c, s in zip(self.caps, self.sizes, strict=True))

    @property
    def sizes(self) -> list[int]:
        return [s.numel() for s in self.shapes]

    @property
    def size(self) -> int:
        return sum(self.sizes)

    def layer_ids(self) -> torch.Tensor:
        """Layer index of every unit of the flat vector (used to keep per-layer counts fixed)."""
        return torch.repeat_interleave(torch.arange(len(self.names)), torch.tensor(self.sizes))

    def flatten(self, units: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.cat([units[n].reshape(-1) for n in self.names]) if self.names else torch.zeros(0)

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        parts = torch.split(flat, self.sizes)
        return {n: part.reshape(shape).clone() for n, part, shape in zip(self.names, parts, self.shapes,
                                                                          strict=True)}

    def top(self, scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Keep the highest-scoring units: exactly ``keep`` globally or ``layer_keep`` per layer."""
        flat = self.flatten({n: scores[n].detach().float().cpu() for n in self.names})
        keep = torch.zeros(flat.numel(), dtype=torch.bool)
        if self.scope == "global" and not self.bounded:
            keep[_descending(flat, self.keep)] = True
        elif self.scope == "global":
            keep = self._bounded_top(flat)
        else:
            start = 0
            for size, k in zip(self.sizes, self.layer_keep, strict=True):
                keep[start + _descending(flat[start:start + size], k)] = True
                start += size
        return self.unflatten(keep)

    def _bounded_top(self, flat: torch.Tensor) -> torch.Tensor:
        """Global top-k that keeps every layer within its floor and cap."""
        keep = torch.zeros(flat.numel(), dtype=torch.bool)
        counts = [0] * len(self.sizes)
        start = 0
        for i, (size, floor) in enumerate(zip(self.sizes, self.floors, strict=True)):
            keep[start + _descending(flat[start:start + size], floor)] = True
            counts[i] = floor
            start += size
        layer = self.layer_ids()
        taken = sum(counts)
        for index in _descending(flat, flat.numel()).tolist():
            if taken >= self.keep:
                break
            owner = int(layer[index])
            if not keep[index] and counts[owner] < self.caps[owner]:
                keep[index] = True
                counts[owner] += 1
                taken += 1
        return keep

    def random(self, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """A uniformly random mask with the exact kept count(s), drawn from ``generator``."""
        return self.top({n: torch.rand(s, generator=generator) for n, s in zip(self.names, self.shapes,
                                                                                strict=True)})


def hidden_unit_space(masks: UnitMaskSet, sparsity: float, allocation: str, min_density: float = 0.0,
                      max_density: float = 1.0) -> UnitSpace:
    """The :class:`UnitSpace` of the hidden units of ``masks`` (at least one per layer).

    ``sparsity`` is the unit sparsity: ``round((1 - sparsity) * units)`` units are kept in all.
    """
    shapes = {layer.label: (layer.hidden_size,) for layer in masks.layers}
    weights = {layer.label: layer.weight_shape for layer in masks.layers}
    return UnitSpace.build(shapes, sparsity, allocation, minimum_per_layer=1, weight_shapes=weights,
                           min_density=min_density, max_density=max_density)
