"""Death (pruning) step of dynamic sparse training: which alive weights to remove.

Every function works on flat views of one unit's weight ``w`` and mask ``m`` (True = alive)
and returns a boolean tensor of the positions to remove (always a subset of the alive ones).
Ties are broken by position (stable sorts) so that a run is reproducible.

``magnitude``         the ``k`` alive weights of smallest ``|w|``;
``SET``               half of ``k`` from the smallest non-negative weights, half from the
                      negative weights closest to zero (the real SET rule). The reference code
                      removed the *most negative* weights instead, i.e. some of the largest
                      magnitudes, which is a bug; zero-valued alive weights count as the
                      smallest non-negative ones here;
``threshold``         every alive weight with ``|w| <= threshold`` (the caller doubles or halves
                      the threshold to track the expected removal count);
``global_magnitude``  the ``K`` smallest ``|w|`` over all units together: an exact global
                      k-th value instead of the reference's iterative threshold search.

Example::

    remove = magnitude_death(w, m, k=10)
    m &= ~remove
"""

from __future__ import annotations

import torch

DEATH_MODES = ("magnitude", "SET", "threshold", "global_magnitude")


def _take(indices: torch.Tensor, scores: torch.Tensor, k: int, descending: bool = False) -> torch.Tensor:
    """The ``k`` entries of ``indices`` with the smallest (largest) ``scores``, ties by position."""
    order = torch.sort(scores, descending=descending, stable=True).indices
    return indices[order[:k]]


def _as_mask(like: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(like, dtype=torch.bool)
    out[indices] = True
    return out


def magnitude_death(w: torch.Tensor, m: torch.Tensor, k: int) -> torch.Tensor:
    """Remove the ``k`` alive weights of smallest magnitude."""
    alive = torch.nonzero(m).flatten()
    return _as_mask(m, _take(alive, w[alive].abs(), k))


def set_death(w: torch.Tensor, m: torch.Tensor, k: int) -> torch.Tensor:
    """Remove ``k - k//2`` smallest non-negative and ``k//2`` negative-closest-to-zero weights.

    When one sign has too few alive weights, the other sign makes up the difference, so
    exactly ``min(k, alive)`` weights are removed.
    """
    alive = torch.nonzero(m).flatten()
    values = w[alive]
    positive = alive[values >= 0]
    negative = alive[values < 0]
    k = min(k, alive.numel())
    k_neg = min(k // 2, negative.numel())
    k_pos = min(k - k_neg, positive.numel())
    k_neg = k - k_pos
    chosen_pos = _take(positive, w[positive], k_pos)
    chosen_neg = _take(negative, w[negative], k_neg, descending=True)
    return _as_mask(m, torch.cat([chosen_pos, chosen_neg]))


def threshold_death(w: torch.Tensor, m: torch.Tensor, threshold: float) -> torch.Tensor:
    """Remove every alive weight with ``|w| <= threshold``."""
    return m & (w.abs() <= threshold)


def global_magnitude_death(weights: list[torch.Tensor], masks: list[torch.Tensor], k: int) -> list[torch.Tensor]:
    """Remove the ``k`` smallest alive magnitudes across all units (exactly ``k``)."""
    scores, owners, positions = [], [], []
    for i, (w, m) in enumerate(zip(weights, masks, strict=True)):
        alive = torch.nonzero(m).flatten()
        scores.append(w[alive].abs().float().cpu())
        owners.append(torch.full((alive.numel(),), i, dtype=torch.long))
        positions.append(alive.cpu())
    flat_scores = torch.cat(scores)
    order = torch.sort(flat_scores, stable=True).indices[:k]
    chosen_owner = torch.cat(owners)[order]
    chosen_pos = torch.cat(positions)[order]
    removed = []
    for i, m in enumerate(masks):
        removed.append(_as_mask(m, chosen_pos[chosen_owner == i].to(m.device)))
    return removed
