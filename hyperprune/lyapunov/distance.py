"""LS distance: the plain L2 distance between two spectra, as the reference system ranks by.

Example::

    ls_distance(torch.tensor([0.0, -1.0]), torch.tensor([3.0, 3.0]))   # 5.0
    ls_distance(torch.zeros(4, 3), torch.ones(4, 3))                   # tensor of 4 x sqrt(3)
"""

from __future__ import annotations

import torch
from torch import Tensor

from hyperprune.lyapunov.common_length import common_leading


def ls_distance(a: Tensor, b: Tensor) -> float | Tensor:
    """``||a - b||_2`` over the last axis: a float for 1-D spectra, a tensor for batched ones.

    Spectra are compared element by element in QR order, like the reference system (sort them
    first for an order-free comparison); spectra of different lengths on their common leading
    exponents (:mod:`~hyperprune.lyapunov.common_length`).
    """
    a, b = common_leading(a, b)
    dtype = torch.promote_types(torch.promote_types(a.dtype, b.dtype), torch.float32)
    dist = torch.linalg.vector_norm(a.to(dtype) - b.to(dtype), dim=-1)
    return float(dist) if a.dim() == 1 else dist
