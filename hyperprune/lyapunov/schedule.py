"""When the tangent frame is re-orthonormalised: every step, or every ``qr_every`` steps.

Between two QR steps the frame is only pushed through the Jacobians; the QR of the product
``J_t ... J_s Q`` has the product of the single-step ``r_ii`` on its diagonal, so in exact
arithmetic the exponents do not depend on ``qr_every`` (the reference system's ``T_ons``).
In floating point the columns drift towards the leading direction between QR steps, and the
trailing exponents lose precision as ``exp((lambda_1 - lambda_k) * qr_every)`` grows; the
accuracy this costs is measured by ``bench/ls_fidelity.py``.

The frame is always orthonormalised at the last warm-up step (accumulation starts from an
orthonormal frame) and at the last step (nothing is left unaccounted).

Example::

    qr_schedule(steps=12, warmup=2, qr_every=4)
    # [F, T, F, F, F, T, F, F, F, T, F, T]: warm-up end, then every 4th step, then the end
"""

from __future__ import annotations

import torch
from torch import Tensor

from hyperprune.lyapunov.qr import LOG_FLOOR


def qr_schedule(steps: int, warmup: int, qr_every: int) -> list[bool]:
    """``schedule[t]``: whether the frame is re-orthonormalised after step ``t``."""
    if not isinstance(qr_every, int) or isinstance(qr_every, bool) or qr_every < 1:
        raise ValueError(f"qr_every must be a positive integer, got {qr_every!r}")
    schedule = []
    for t in range(steps):
        since = t + 1 if t < warmup else t - warmup + 1
        schedule.append(since % qr_every == 0 or t == warmup - 1 or t == steps - 1)
    return schedule


def normalise_columns(frame: Tensor) -> tuple[Tensor, Tensor]:
    """``frame`` with unit columns, and the log of the norms divided out, ``(B, k)``.

    Scaling the columns of ``A`` by ``D`` scales ``diag(R)`` of its QR by ``D`` and leaves
    ``Q`` alone, so the logs are added back exactly; it keeps the columns of a frame that is
    not orthonormalised every step from overflowing or underflowing.
    """
    norms = torch.linalg.vector_norm(frame, dim=-2).clamp_min(LOG_FLOOR)
    return frame / norms.unsqueeze(-2), norms.log()
