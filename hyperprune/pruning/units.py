"""Mask units and kept counts: what an early mask chooses between, and exactly how many it keeps.

An early mask search picks a fixed number of *units*. With unstructured masks a unit is one
weight of a masked parameter; with filter masks a unit is one output filter of a conv layer.
:class:`UnitSpace` fixes the kept count once (from the target sparsity) and keeps it exact:

* ``scope="global"``: one ranking over all units, ``round((1 - sparsity) * n)`` kept in total;
* ``scope="layerwise"``: every layer keeps the same fraction, the per-layer counts allocated
  by largest remainder so that they still add up to the global count exactly.

Example::

    space = UnitSpace.build({"a": (4, 3), "b": (10,)}, sparsity=0.5, scope="global")
    keep = space.top({"a": torch.rand(4, 3), "b": torch.rand(10)})   # 11 of 22 units kept
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SCOPES = ("global", "layerwise")


def kept_total(n: int, sparsity: float, minimum: int = 1) -> int:
    """Units kept out of ``n`` at ``sparsity``: ``round((1 - sparsity) * n)``, at least ``minimum``."""
    if n == 0:
        return 0
    return max(min(minimum, n), min(n, int(round((1.0 - sparsity) * n))))


def allocate(sizes: list[int], keep: int, minimum: int = 0) -> list[int]:
    """Split ``keep`` over layers of ``sizes`` in proportion, by largest remainder.

    Every layer gets at least ``minimum`` (when it has that many units) and never more than
    its size; the counts add up to ``keep`` exactly (ties go to the earlier layer).
    """
    total = sum(sizes)
    if not 0 <= keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} units")
    floors = [min(size, minimum) for size in sizes]
    if sum(floors) > keep:
        raise ValueError(f"keeping {minimum} per layer needs {sum(floors)} units, only {keep} allowed")
    shares = [keep * size / total if total else 0.0 for size in sizes]
    counts = [max(f, min(size, math.floor(s))) for f, size, s in zip(floors, sizes, shares, strict=True)]
    layers = range(len(sizes))
    while sum(counts) > keep:  # the minimums pushed the sum over: take from the largest excess
        i = max((j for j in layers if counts[j] > floors[j]), key=lambda j: counts[j] - shares[j])
        counts[i] -= 1
    while sum(counts) < keep:  # hand out the rest by largest remainder
        i = max((j for j in layers if counts[j] < sizes[j]), key=lambda j: shares[j] - counts[j])
        counts[i] += 1
    return counts


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

    @classmethod
    def build(cls, shapes: dict[str, tuple[int, ...] | torch.Size], sparsity: float, scope: str = "global",
              minimum_per_layer: int = 0) -> UnitSpace:
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
        names = list(shapes)
        sizes = [math.prod(shapes[n]) for n in names]
        keep = kept_total(sum(sizes), sparsity)
        keep = max(keep, sum(min(minimum_per_layer, s) for s in sizes))
        layer_keep = allocate(sizes, keep, minimum_per_layer) if scope == "layerwise" else []
        return cls(names, [torch.Size(shapes[n]) for n in names], scope, keep, layer_keep)

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
        if self.scope == "global":
            keep[_descending(flat, self.keep)] = True
        else:
            start = 0
            for size, k in zip(self.sizes, self.layer_keep, strict=True):
                keep[start + _descending(flat[start:start + size], k)] = True
                start += size
        return self.unflatten(keep)

    def random(self, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """A uniformly random mask with the exact kept count(s), drawn from ``generator``."""
        return self.top({n: torch.rand(s, generator=generator) for n, s in zip(self.names, self.shapes,
                                                                                strict=True)})
