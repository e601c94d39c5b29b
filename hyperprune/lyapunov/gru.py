"""GRU layer Jacobian (PyTorch gate order r, z, n).

One step::

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    m = W_hn h + b_hn                               n = tanh(W_in x + b_in + r m)
    h' = (1 - z) n + z h

so with ``u = (1 - z)(1 - n^2)``::

    dh'/dh = diag(z) + diag(u m r(1-r)) W_hr + diag((h - n) z(1-z)) W_hz + diag(u r) W_hn
    dh'/dx =           diag(u m r(1-r)) W_ir + diag((h - n) z(1-z)) W_iz + diag(u)   W_in
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hyperprune.lyapunov.base import LayerCell, optional_bias, row_combine


class GRUCellJacobian(LayerCell):
    """Layer ``layer`` of an ``nn.GRU``."""

    def __init__(self, rnn: nn.GRU, layer: int) -> None:
        self.hidden_size = hidden = rnn.hidden_size
        w_ih = getattr(rnn, f"weight_ih_l{layer}")
        w_hh = getattr(rnn, f"weight_hh_l{layer}")
        self.w_ih_t = w_ih.t()
        self.w_hh_t = w_hh.t()
        self.b_ih = optional_bias(rnn, f"bias_ih_l{layer}", 3 * hidden, w_hh)
        self.b_hh = optional_bias(rnn, f"bias_hh_l{layer}", 3 * hidden, w_hh)
        self.w_ih = w_ih.split(hidden)
        self.w_hh = w_hh.split(hidden)
        self._coeffs: list[Tensor] = []
        self._input_n: Tensor | None = None
        self._z: Tensor | None = None

    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        (h,) = state
        hidden = self.hidden_size
        gi = torch.addmm(self.b_ih, x, self.w_ih_t)
        gh = torch.addmm(self.b_hh, h, self.w_hh_t)
        r = torch.sigmoid(gi[:, :hidden] + gh[:, :hidden])
        z = torch.sigmoid(gi[:, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden])
        m = gh[:, 2 * hidden :]
        n = torch.tanh(gi[:, 2 * hidden :] + r * m)
        h_new = n + z * (h - n)
        u = (1 - z) * (1 - n * n)
        self._coeffs = [u * m * r * (1 - r), (h - n) * z * (1 - z), u * r]
        self._input_n = u
        self._z = z
        return (h_new,)

    def apply_jacobian(self, dx: Tensor | None, dstate: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        j_hh = row_combine(self._coeffs, self.w_hh, diagonal=self._z)
        dh_new = torch.bmm(j_hh, dstate[0])
        if dx is not None:
            coeffs = [self._coeffs[0], self._coeffs[1], self._input_n]
            dh_new = torch.baddbmm(dh_new, row_combine(coeffs, self.w_ih), dx)
        return (dh_new,)
