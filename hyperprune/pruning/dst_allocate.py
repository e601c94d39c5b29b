"""Capped proportional allocation of an integer budget: shared by sparse init and regrowth.

Both the ER/ERK initial densities and the redistribution of the regrowth budget solve the
same problem: split ``total`` items over units in proportion to ``shares``, no unit getting
more than its ``cap``. The real-valued solution is ``min(cap_u, lam * share_u)`` with ``lam``
chosen so the sum is ``total`` (capped units are fixed and ``lam`` re-solved over the rest);
it is rounded by largest remainder, so every unit is within one item of its real share and
the sum is exactly ``total``.

Example::

    proportional_allocation(10, shares=[1.0, 1.0, 2.0], caps=[100, 1, 100])   # [3, 1, 6]
"""

from __future__ import annotations

import math


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
