"""The one largest-remainder allocator of the project: an integer budget split in proportion.

Sparse initialisation (ER/ERK), regrowth redistribution, per-layer kept counts and layer-wise
top-k all solve the same problem: split ``total`` items over units in proportion to
``shares``, no unit getting more than its ``cap`` (and, with floors, less than its ``floor``).
The real-valued solution is ``min(cap_u, lam * share_u)`` with ``lam`` chosen so the sum is
``total`` (capped units are fixed and ``lam`` re-solved over the rest); it is rounded by
largest remainder, so every unit is within one item of its real share and the sum is exactly
``total``.

* :func:`proportional_allocation`: shares and caps;
* :func:`bounded_allocation`: shares, floors and caps;
* :func:`allocate` (:func:`apportion`, budget first): in proportion to the units' sizes, each
  capped at its size, with an optional per-unit minimum.

Example::

    proportional_allocation(10, shares=[1.0, 1.0, 2.0], caps=[100, 1, 100])   # [3, 1, 6]
    allocate([10, 5, 5], 7)                                                    # [3, 2, 2]
"""

from __future__ import annotations

import math

from hyperprune.errors import UserError


def capped_scale(total: float, shares: list[float], caps: list[float]) -> tuple[float, set[int]]:
    """``lam`` and the capped units such that ``sum min(cap, lam * share) == total``."""
    capped: set[int] = set()
    while True:
        remaining = total - sum(caps[i] for i in capped)
        weight = sum(shares[i] for i in range(len(shares)) if i not in capped)
        if weight <= 0:
            return 0.0, capped
        lam = max(remaining, 0.0) / weight
        over = {i for i in range(len(shares)) if i not in capped and lam * shares[i] > caps[i]}
        if not over:
            return lam, capped
        capped |= over


def proportional_allocation(total: int, shares: list[float], caps: list[int]) -> list[int]:
    """Integers summing to ``total`` (at most ``sum(caps)``), each within one of its real share.

    Units with zero share get nothing unless the others cannot absorb the budget; when all
    shares are zero the budget follows the free capacity instead.
    """
    if total > sum(caps):
        raise ValueError(f"cannot allocate {total} items into capacity {sum(caps)}")
    if total <= 0:
        return [0] * len(caps)
    shares = [max(float(s), 0.0) if math.isfinite(s) else 0.0 for s in shares]
    lam, capped = capped_scale(total, shares, caps)
    ideal = [float(caps[i]) if i in capped else lam * shares[i] for i in range(len(caps))]
    short = total - sum(ideal)
    if short > 1e-6:
        # every unit with a positive share is full: spread the rest over the free capacity
        rest = [c - x for c, x in zip(caps, ideal, strict=True)]
        ideal = [x + short * r / sum(rest) for x, r in zip(ideal, rest, strict=True)]
    counts = [min(int(math.floor(x)), c) for x, c in zip(ideal, caps, strict=True)]
    missing = total - sum(counts)
    order = sorted(range(len(ideal)), key=lambda i: (-(ideal[i] - math.floor(ideal[i])), i))
    while missing > 0:
        progressed = False
        for i in order:
            if missing <= 0:
                break
            if counts[i] < caps[i]:
                counts[i] += 1
                missing -= 1
                progressed = True
        if not progressed:  # pragma: no cover - excluded by the capacity check above
            raise ValueError("allocation failed to place the whole budget")
    return counts


def check_feasible(keep: int, floors: list[int], caps: list[int]) -> None:
    if not sum(floors) <= keep <= sum(caps):
        raise UserError(f"per-layer bounds allow {sum(floors)} to {sum(caps)} kept units, the target "
                        f"sparsity needs {keep}; widen the per-layer density bounds")


def bounded_allocation(total: int, shares: list[float], floors: list[int], caps: list[int]) -> list[int]:
    """Integers in ``[floors, caps]`` summing to ``total``, proportional to ``shares`` otherwise.

    Layers whose proportional share falls below their floor are fixed at it and the rest is
    re-allocated over the others, until every layer is within its bounds.
    """
    check_feasible(total, floors, caps)
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(len(shares)) if i not in fixed]
        counts = proportional_allocation(total - sum(fixed.values()), [shares[i] for i in free],
                                         [caps[i] for i in free])
        low = [i for i, c in zip(free, counts, strict=True) if c < floors[i]]
        if not low:
            out = dict(fixed)
            out.update(zip(free, counts, strict=True))
            return [out[i] for i in range(len(shares))]
        for i in low:
            fixed[i] = floors[i]


def allocate(sizes: list[int], keep: int, minimum: int = 0) -> list[int]:
    """Split ``keep`` over layers of ``sizes`` in proportion to their sizes, by largest remainder.

    Every layer gets at least ``minimum`` (when it has that many units) and never more than
    its size; the counts add up to ``keep`` exactly (ties go to the earlier layer).
    """
    total = sum(sizes)
    if not 0 <= keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} units")
    floors = [min(size, minimum) for size in sizes]
    if sum(floors) > keep:
        raise ValueError(f"keeping {minimum} per layer needs {sum(floors)} units, only {keep} allowed")
    return bounded_allocation(keep, [float(s) for s in sizes], floors, list(sizes))


def apportion(total: int, weights: list[int]) -> list[int]:
    """:func:`allocate` with the budget first (the order of the other allocators here).

    Weights that are all zero have nothing to split over: every count is 0.
    """
    if sum(weights) == 0:
        return [0] * len(weights)
    return allocate(weights, total)
