"""LSTM layer Jacobian (PyTorch gate order i, f, g, o), with the cell state fixed or as state.

One step: ``gates = W_ih x + b_ih + W_hh h + b_hh``; ``c' = f c + i g``; ``h' = o tanh(c')``.
With ``a = o (1 - tanh(c')^2)`` the derivative of ``h'`` with respect to a pre-activation
row block is a row scaling of the matching weight block::

    dh'/dh = diag(a c f(1-f)) W_f + diag(a g i(1-i)) W_i + diag(a i (1-g^2)) W_g
             + diag(tanh(c') o(1-o)) W_o                        (same coefficients for W_ih)

In ``"h"`` mode ``c_{t-1}`` is a coefficient (the reference system's choice): only ``h`` is
state. In ``"hc"`` mode ``c`` is state too: ``dc'/dc = diag(f)``, ``dh'/dc = diag(a f)`` and
``dc'/dh`` is the sum above without the o-gate term and without the factor ``a``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hyperprune.lyapunov.base import LayerCell, optional_bias, row_combine


class LSTMCellJacobian(LayerCell):
    """Layer ``layer`` of an ``nn.LSTM``; ``with_cell=True`` makes ``c`` part of the state."""

    def __init__(self, rnn: nn.LSTM, layer: int, with_cell: bool = False) -> None:
        self.hidden_size = hidden = rnn.hidden_size
        self.n_state = 2 if with_cell else 1
        self.with_cell = with_cell
        w_ih = getattr(rnn, f"weight_ih_l{layer}")
        w_hh = getattr(rnn, f"weight_hh_l{layer}")
        self.w_ih_t = w_ih.t()
        self.w_hh_t = w_hh.t()
        self.bias = optional_bias(rnn, f"bias_ih_l{layer}", 4 * hidden, w_hh) + optional_bias(
            rnn, f"bias_hh_l{layer}", 4 * hidden, w_hh
        )
        self.w_ih = w_ih.split(hidden)
        self.w_hh = w_hh.split(hidden)
        self._coeffs: list[Tensor] = []
        self._cell_coeffs: list[Tensor] = []
        self._forget: Tensor | None = None
        self._out_scale: Tensor | None = None

    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        h, c = state
        gates = torch.addmm(self.bias, x, self.w_ih_t).addmm_(h, self.w_hh_t)
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
        g = torch.tanh(g)
        c_new = f * c + i * g
        tanh_c = torch.tanh(c_new)
        h_new = o * tanh_c
        # dc'/d(pre-activation) of gates i, f, g; then scaled by a = dh'/dc' for the h rows.
        cell_coeffs = [g * i * (1 - i), c * f * (1 - f), i * (1 - g * g)]
        a = o * (1 - tanh_c * tanh_c)
        self._coeffs = [a * cc for cc in cell_coeffs] + [tanh_c * o * (1 - o)]
        self._cell_coeffs = cell_coeffs
        self._forget = f
        self._out_scale = a
        return (h_new, c_new)

    def apply_jacobian(self, dx: Tensor | None, dstate: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        dh = dstate[0]
        # Gate order in _coeffs is (i, f, g, o); weight blocks are (i, f, g, o) as well.
        j_hh = row_combine(self._coeffs, self.w_hh)
        dh_new = torch.bmm(j_hh, dh)
        if dx is not None:
            dh_new = torch.baddbmm(dh_new, row_combine(self._coeffs, self.w_ih), dx)
        if not self.with_cell:
            return (dh_new,)
        dc = dstate[1]
        dc_new = torch.bmm(row_combine(self._cell_coeffs, self.w_hh[:3]), dh)
        if dx is not None:
            dc_new = torch.baddbmm(dc_new, row_combine(self._cell_coeffs, self.w_ih[:3]), dx)
        forget = self._forget.unsqueeze(-1)
        dc_new.addcmul_(forget, dc)
        dh_new.addcmul_(self._out_scale.unsqueeze(-1) * forget, dc)
        return (dh_new, dc_new)
