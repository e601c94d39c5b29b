"""The non-dominated set of points that are all to be minimised."""

from __future__ import annotations

import math
from collections.abc import Sequence


def non_dominated(points: dict[str, Sequence[float]]) -> list[str]:
    """The names of the points no other point dominates (no worse in every coordinate, better in
    one); points with a coordinate that is not finite are left out. Sorted by the first coordinate."""
    finite = {name: tuple(p) for name, p in points.items() if all(math.isfinite(v) for v in p)}

    def dominated(p: tuple) -> bool:
        return any(all(a <= b for a, b in zip(q, p, strict=True)) and q != p for q in finite.values())

    return sorted((name for name, p in finite.items() if not dominated(p)), key=lambda n: (finite[n], n))
