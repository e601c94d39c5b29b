"""LS distances: plain L2 between two spectra (default), or the reference code's trajectory distance.

Example::

    ls_distance(torch.tensor([0.0, -1.0]), torch.tensor([3.0, 3.0]))   # 5.0
    ls_distance(torch.zeros(4, 3), torch.ones(4, 3))                   # tensor of 4 x sqrt(3)
"""

from __future__ import annotations

import torch
from torch import Tensor


def ls_distance(a: Tensor, b: Tensor) -> float | Tensor:
    """``||a - b||_2`` over the last axis: a float for 1-D spectra, a tensor for batched ones.

    Both must have the same shape (spectra compared element by element in QR order, like the
    reference system; sort them first for an order-free comparison).
    """
    a = torch.as_tensor(a)
    b = torch.as_tensor(b)
    if a.shape != b.shape:
        raise ValueError(f"spectra must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.dim() == 0:
        raise ValueError("a spectrum must have at least one dimension, got a scalar")
    dtype = torch.promote_types(torch.promote_types(a.dtype, b.dtype), torch.float32)
    dist = torch.linalg.vector_norm(a.to(dtype) - b.to(dtype), dim=-1)
    return float(dist) if a.dim() == 1 else dist


DISTANCES = ("l2", "trajectory")


def trajectory_distance(candidate: list, dense: list) -> float:
    """The reference system's distance: spectra of epochs 0..e on their first 2 principal axes.

    ``candidate`` and ``dense`` hold one spectrum per epoch 0..e (equal lengths). Both
    trajectories are stacked, centred together and projected onto their 2 leading principal
    components; the distance is that between the two final-epoch points. With a single epoch
    (e = 0) there is no trajectory and the plain L2 distance is returned.
    """
    a = torch.as_tensor(candidate, dtype=torch.float64)
    b = torch.as_tensor(dense, dtype=torch.float64)
    if a.dim() != 2 or a.shape != b.shape:
        raise ValueError(f"trajectories must be (epochs, exponents) of one shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[0] < 2:
        return float(torch.linalg.vector_norm(a[-1] - b[-1]))
    points = torch.cat([a, b])
    centred = points - points.mean(dim=0, keepdim=True)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)
    projected = centred @ vh[:2].T
    return float(torch.linalg.vector_norm(projected[a.shape[0] - 1] - projected[-1]))


def spectrum_gap(variant: str, candidate: list, dense: list) -> float:
    """The distance ``variant`` (``l2``: last spectra; ``trajectory``: epochs 0..e) of two histories."""
    if variant == "l2":
        return ls_distance(torch.as_tensor(candidate[-1], dtype=torch.float64),
                           torch.as_tensor(dense[-1], dtype=torch.float64))
    if variant == "trajectory":
        return trajectory_distance(candidate, dense)
    raise ValueError(f"unknown LS distance {variant!r}; choose one of {', '.join(DISTANCES)}")
