"""One step of the QR iteration with a positive diagonal (the sign-fixed reduced QR).

``torch.linalg.qr`` leaves the signs of ``diag(R)`` to LAPACK; flipping the matching columns
of ``Q`` makes the diagonal positive, so the frame evolves continuously and ``log r_ii`` is
well defined. A direction that collapses exactly (``r_ii == 0``, e.g. a dead ReLU unit with
a full spectrum) contributes ``log(LOG_FLOOR)`` instead of ``-inf``, so spectra and their
distances stay finite and comparable across float32 and float64.

Example::

    q, log_r = positive_qr(torch.randn(2, 6, 4))   # q (2, 6, 4) orthonormal columns, log_r (2, 4)
"""

from __future__ import annotations

import torch
from torch import Tensor

#: Smallest |r_ii| kept before the logarithm (float32 can represent it, log is about -69.1).
LOG_FLOOR = 1e-30


def positive_qr(matrix: Tensor) -> tuple[Tensor, Tensor]:
    """Reduced QR of ``(..., n, k)`` with ``diag(R) >= 0``; returns ``(Q, log diag(R))``."""
    q, r = torch.linalg.qr(matrix, mode="reduced")
    diag = r.diagonal(dim1=-2, dim2=-1)
    signs = torch.where(diag < 0, -1.0, 1.0).to(q.dtype)
    q = q * signs.unsqueeze(-2)
    return q, diag.abs().clamp_min(LOG_FLOOR).log()
