"""Rank statistics for comparing early metrics with final quality.

:func:`spearman` is Spearman's rank correlation with average ranks for ties, the same
definition as ``scipy.stats.spearmanr``; pairs where either value is missing or not finite are
dropped first.

Example::

    >>> spearman([1, 2, 3, 4], [10, 20, 40, 30])
    0.8
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks starting at 1; tied values share the mean of the ranks they occupy."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean_rank = (start + end) / 2 + 1
        for k in range(start, end + 1):
            ranks[order[k]] = mean_rank
        start = end + 1
    return ranks


def finite_pairs(xs: Sequence[float | None], ys: Sequence[float | None]) -> tuple[list[float], list[float]]:
    """The pairs where both values are finite numbers."""
    if len(xs) != len(ys):
        raise ValueError(f"sequences of different length: {len(xs)} and {len(ys)}")
    keep = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True) if _finite(x) and _finite(y)]
    return [x for x, _ in keep], [y for _, y in keep]


def spearman(xs: Sequence[float | None], ys: Sequence[float | None]) -> float:
    """Spearman's rho over the finite pairs; NaN with fewer than 3 pairs or a constant side."""
    x, y = finite_pairs(xs, ys)
    if len(x) < 3:
        return math.nan
    rx, ry = average_ranks(x), average_ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
