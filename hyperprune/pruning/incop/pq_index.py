"""The PQ index of a weight vector and the adaptive prune ratio it implies (Diao et al., 2023).

For ``d`` weights and norm orders ``0 < p < q``::

    I(w) = 1 - d ** (1/q - 1/p) * ||w||_p / ||w||_q          (0 <= I < 1; larger = sparser)
    m    = d * (1 + eta) ** (-q / (q - p)) * (1 - I) ** (q * p / (q - p))
    ratio = clamp(1 - m / d, 0, cap)

``||w||_p = (sum |w_i| ** p) ** (1/p)`` (a quasi-norm when ``p < 1``). ``m`` is the number of
weights the index says the vector needs; ``ratio`` is the fraction of the ``d`` weights to
remove this iteration, at most ``cap``. A dense, flat vector (all ``|w_i|`` equal) has
``I = 0`` and, with ``eta = 0``, ratio 0; a peaked one a large ratio.

Example::

    ratio = pq_prune_ratio(alive_weights, p=0.5, q=1.0, eta=0.0, cap=0.9)
"""

from __future__ import annotations

import torch

from hyperprune.errors import UserError


def check_orders(p: float, q: float) -> None:
    """The index needs ``0 < p < q``; anything else is a user error."""
    if not 0.0 < p < q:
        raise UserError(f"PQ index needs 0 < p < q, got p={p}, q={q}; pick p smaller than q")


def _norm(w: torch.Tensor, order: float) -> torch.Tensor:
    return w.abs().pow(order).sum().pow(1.0 / order)


def pq_index(w: torch.Tensor, p: float, q: float) -> float:
    """``I_{p,q}(w)`` over all entries of ``w`` (pass only the alive weights)."""
    check_orders(p, q)
    w = w.detach().reshape(-1).double()
    d = w.numel()
    norm_q = _norm(w, q)
    if d == 0 or float(norm_q) == 0.0:
        return 0.0
    return float(1.0 - d ** (1.0 / q - 1.0 / p) * _norm(w, p) / norm_q)


def pq_prune_ratio(w: torch.Tensor, p: float, q: float, eta: float = 0.0, cap: float = 0.9) -> float:
    """Fraction of ``w``'s entries to remove: ``clamp(1 - m/d, 0, cap)`` with ``m`` as above."""
    index = pq_index(w, p, q)
    needed_fraction = (1.0 + eta) ** (-q / (q - p)) * (1.0 - index) ** (q * p / (q - p))
    return min(max(1.0 - needed_fraction, 0.0), cap)
