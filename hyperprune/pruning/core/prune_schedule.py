"""How many prune rounds a plan needs, and the latest epoch a prune event may fall on.

Example::

    rounds_needed(0.2, 0.5)       # -> 4: 0.8 ** 4 <= 0.5
    last_event_epoch(1, 2, 10)    # -> 8: two epochs of training still follow
"""

from __future__ import annotations

from hyperprune.pruning.core.sparsity import check_sparsity


def rounds_needed(prune_rate: float, sparsity: float) -> int:
    """Smallest ``R`` with ``(1 - prune_rate) ** R <= 1 - sparsity`` (0 when nothing to prune)."""
    if check_sparsity(sparsity, allow_zero=True) == 0.0:
        return 0
    if not 0.0 < prune_rate < 1.0:
        raise ValueError(f"prune_rate must lie in (0, 1), got {prune_rate}")
    rounds = 0
    remaining = 1.0
    while remaining > (1.0 - sparsity) * (1.0 + 1e-12):
        remaining *= 1.0 - prune_rate
        rounds += 1
    return rounds


def last_event_epoch(first_event: int, tail_epochs: int, total_epochs: int) -> int:
    """Latest epoch end for a prune event that still leaves ``tail_epochs`` of training after it.

    Never before ``first_event`` (the earliest event) nor after the run's last epoch.
    """
    return min(max(first_event, total_epochs - tail_epochs), total_epochs)
