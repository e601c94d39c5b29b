"""The per-layer interface the spectrum driver uses, and the row-scaling helper it is built on.

Each cell type (LSTM, GRU, tanh/ReLU RNN, RHN) is one :class:`LayerCell` per layer. The
driver calls :meth:`LayerCell.step` to advance the layer one time step (the cell keeps the
quantities its Jacobian needs at that step), then :meth:`LayerCell.apply_jacobian` to push
the tangent frame through the same step. Everything is batched: states are ``(B, H)``,
tangent blocks are ``(B, H, k)``.

Jacobians are never built from dense diagonal matrices: a term ``diag(a) W`` is the weight
``W`` with row ``i`` scaled by ``a[b, i]``, formed by broadcasting (:func:`row_combine`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import torch
from torch import Tensor


class LayerCell(ABC):
    """One recurrent layer as a map ``(x_t, state_{t-1}) -> state_t`` plus its Jacobian.

    ``state`` is a tuple of ``(B, H)`` tensors whose first element is the layer's output
    ``h`` (what the next layer receives as input); ``n_state`` is the tuple's length.
    """

    hidden_size: int
    n_state: int = 1

    @abstractmethod
    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """Advance one time step from ``state`` with input ``x`` (B, I); remember the linearisation."""

    @abstractmethod
    def apply_jacobian(self, dx: Tensor | None, dstate: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """Tangent of the last :meth:`step`: ``d state_t = A dx + J d state_{t-1}``.

        ``dx`` (B, I, k) is the tangent of this step's input (the lower layer's new output),
        or ``None`` for the first layer, whose input is data; ``dstate`` holds ``(B, H, k)``
        blocks in the order of ``state``.
        """


def row_combine(
    coeffs: Sequence[Tensor], weights: Sequence[Tensor], diagonal: Tensor | None = None
) -> Tensor:
    """``sum_g diag(coeffs[g]) @ weights[g] (+ diag(diagonal))`` as a ``(B, H, N)`` tensor.

    ``coeffs[g]`` is ``(B, H)``, ``weights[g]`` is ``(H, N)``; each term scales the rows of a
    weight by a per-sample vector, so no diagonal matrix is materialised.
    """
    out = coeffs[0].unsqueeze(-1) * weights[0]
    for coeff, weight in zip(coeffs[1:], weights[1:], strict=True):
        out.addcmul_(coeff.unsqueeze(-1), weight)
    if diagonal is not None:
        out.diagonal(dim1=-2, dim2=-1).add_(diagonal)
    return out


def jacobian_product(matrix_h: Tensor, dh: Tensor, matrix_x: Tensor | None, dx: Tensor | None) -> Tensor:
    """``matrix_h @ dh + matrix_x @ dx`` (the input term only when ``dx`` is given), batched."""
    out = torch.bmm(matrix_h, dh)
    if dx is not None and matrix_x is not None:
        out = torch.baddbmm(out, matrix_x, dx)
    return out


def optional_bias(module: torch.nn.Module, name: str, rows: int, like: Tensor) -> Tensor:
    """The module's bias ``name``, or zeros of length ``rows`` when the module has no bias."""
    bias = getattr(module, name, None)
    return like.new_zeros(rows) if bias is None else bias
