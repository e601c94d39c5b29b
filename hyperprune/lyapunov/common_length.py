"""How spectra of different lengths are compared: on their common leading exponents.

A network with fewer hidden units has fewer Lyapunov exponents (one per state dimension). The
LS distance between spectra of lengths ``n > m`` compares the first ``m`` exponents of each, in
QR order. This is not an arbitrary cut: the QR iteration's first ``m`` frame columns and
``log r_ii`` never depend on the later columns, so the first ``m`` exponents of the longer
spectrum are exactly the spectrum that network has with ``k = m`` (the ``m`` leading
directions of its dynamics). Equal lengths are compared whole, as before.

Every candidate of a unit-pruned search keeps the same number of units, so all of them are
compared with the dense reference on the same ``m`` exponents.

Example::

    a, b = common_leading(torch.tensor([0.1, -0.2, -0.9]), torch.tensor([0.0, -0.5]))
    # a = [0.1, -0.2], b = [0.0, -0.5]
"""

from __future__ import annotations

import torch
from torch import Tensor


def common_leading(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` cut to their common length along the last axis (other axes must agree)."""
    a = torch.as_tensor(a)
    b = torch.as_tensor(b)
    if a.dim() == 0 or b.dim() == 0:
        raise ValueError("a spectrum must have at least one dimension, got a scalar")
    if a.shape[:-1] != b.shape[:-1]:
        raise ValueError(f"spectra must have the same batch shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    n = min(a.shape[-1], b.shape[-1])
    return a[..., :n], b[..., :n]


def common_trajectories(candidate: list, dense: list) -> tuple[Tensor, Tensor]:
    """Two per-epoch spectrum histories as ``(epochs, m)`` tensors, ``m`` the shortest spectrum.

    A unit-pruned candidate whose mask is chosen after some dense epochs has a full-length
    spectrum before and a shorter one after; every epoch is cut to the same leading exponents.
    """
    spectra = [list(s) for s in (*candidate, *dense)]
    if not spectra or any(not s for s in spectra):
        raise ValueError("trajectories need at least one non-empty spectrum per epoch")
    m = min(len(s) for s in spectra)
    a = torch.tensor([list(s)[:m] for s in candidate], dtype=torch.float64)
    b = torch.tensor([list(s)[:m] for s in dense], dtype=torch.float64)
    return a, b
