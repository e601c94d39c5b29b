"""Where prune events fall inside a run of ``total_epochs`` epochs.

A method must reach its target by the end of the run, whatever the run's length (a search
trains candidates for a few epochs only). The helpers here map a plan (a number of rounds,
a fraction of the run, a tail of masked training) onto epoch ends ``1 .. total_epochs``.

Example::

    spread_rounds(3, 10)   # -> [2, 5, 7]: four training stretches, the last after round 3
    spread_rounds(5, 2)    # -> [1, 1, 1, 1, 1]: short budget, all rounds at one epoch end
    epoch_at_fraction(0.5, 10)  # -> 5
"""

from __future__ import annotations

import math

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


def spread_rounds(rounds: int, total_epochs: int) -> list[int]:
    """Epoch ends of ``rounds`` prune rounds, spaced so training precedes and follows each.

    The run is cut into ``rounds + 1`` near-equal stretches; round ``r`` ends stretch ``r``.
    When the run is shorter than ``rounds + 1`` epochs, several rounds share an epoch end,
    and no round falls before epoch 1 or after the last epoch.
    """
    if total_epochs < 1:
        raise ValueError("a run has at least one epoch")
    ends = []
    for r in range(1, rounds + 1):
        epoch = math.floor(r * total_epochs / (rounds + 1))
        ends.append(min(max(epoch, 1), total_epochs))
    return ends


def epoch_at_fraction(fraction: float, total_epochs: int) -> int:
    """The epoch end closest after ``fraction`` of the run, at least 1, at most ``total_epochs``."""
    if total_epochs < 1:
        raise ValueError("a run has at least one epoch")
    return min(max(math.ceil(fraction * total_epochs - 1e-9), 1), total_epochs)


def last_event_epoch(first_event: int, tail_epochs: int, total_epochs: int) -> int:
    """Latest epoch end for a prune event that still leaves ``tail_epochs`` of training after it.

    Never before ``first_event`` (the earliest event) nor after the run's last epoch.
    """
    return min(max(first_event, total_epochs - tail_epochs), total_epochs)
