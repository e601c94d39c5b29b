"""The one rule that turns a sparsity (or a density) into a kept count: round to nearest.

``kept_count(n, s)`` keeps ``round((1 - s) * n)`` of ``n`` weights or units, at least
``minimum`` of them (1 by default: a sparsity below 1 never prunes everything) and never more
than ``n``. :func:`kept_at_density` is the same rule written for a density ``d = 1 - s``
(``round(d * n)``, no floor), for budgets that are densities from the start (DST's per-unit
initial densities, the lottery ticket's per-round densities).

Example::

    kept_count(10, 0.75)              # 2 (round(2.5) rounds half to even)
    kept_count(10, 0.99)              # 1: at least one kept
    kept_count(10, 0.99, minimum=0)   # 0
    kept_at_density(2000, 0.33)       # 660
"""

from __future__ import annotations

from hyperprune.pruning.core.sparsity import check_sparsity


def kept_at_density(total: int, density: float) -> int:
    """Items of ``total`` kept at ``density``: ``round(density * total)``."""
    return int(round(density * total))


def kept_count(total: int, sparsity: float, minimum: int = 1) -> int:
    """Items of ``total`` kept at ``sparsity`` (0 allowed: all kept), at least ``min(minimum, total)``."""
    sparsity = check_sparsity(sparsity, allow_zero=True)
    if total == 0:
        return 0
    return max(min(minimum, total), min(total, kept_at_density(total, 1.0 - sparsity)))
