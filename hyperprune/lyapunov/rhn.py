"""RHN layer Jacobian: the chain of the ``depth`` highway micro-steps of one time step.

Micro-step ``d`` maps ``s_d`` to ``s_{d+1} = t cand + (1 - t) s_d`` (see
:mod:`hyperprune.models.rhn`), whose Jacobian is::

    D_d = diag(1 - t) + diag(t (1 - cand^2)) R_cand + diag((cand - s_d) t (1 - t)) R_gate

The input enters micro-step 0 only, with ``A_0`` = the same row scalings of ``W_cand, W_gate``.
So ``dh_t = D_{depth-1} ... D_1 (D_0 dh_{t-1} + A_0 dx)``, applied to the frame one factor at a
time (never the product matrix).
"""

from __future__ import annotations

import torch
from torch import Tensor

from hyperprune.lyapunov.base import LayerCell, row_combine
from hyperprune.models.rhn import RHN


class RHNCellJacobian(LayerCell):
    """Layer ``layer`` of a :class:`~hyperprune.models.rhn.RHN`."""

    def __init__(self, rnn: RHN, layer: int) -> None:
        self.hidden_size = hidden = rnn.hidden_size
        self.depth = rnn.depth
        w_in = rnn.input_weight(layer)
        self.w_in_t = w_in.t()
        self.w_in = w_in.split(hidden)
        self.recurrent = [rnn.recurrent_weight(layer, d) for d in range(self.depth)]
        self.recurrent_t = [w.t() for w in self.recurrent]
        self.recurrent_blocks = [w.split(hidden) for w in self.recurrent]
        self.biases = [rnn.bias(layer, d) for d in range(self.depth)]
        self._coeffs: list[list[Tensor]] = []
        self._carry: list[Tensor] = []

    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        (s,) = state
        hidden = self.hidden_size
        self._coeffs, self._carry = [], []
        for d in range(self.depth):
            pre = torch.addmm(self.biases[d], s, self.recurrent_t[d])
            if d == 0:
                pre.addmm_(x, self.w_in_t)
            cand = torch.tanh(pre[:, :hidden])
            gate = torch.sigmoid(pre[:, hidden:])
            self._coeffs.append([gate * (1 - cand * cand), (cand - s) * gate * (1 - gate)])
            self._carry.append(1 - gate)
            s = s + gate * (cand - s)
        return (s,)

    def apply_jacobian(self, dx: Tensor | None, dstate: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        u = dstate[0]
        for d in range(self.depth):
            micro = row_combine(self._coeffs[d], self.recurrent_blocks[d], diagonal=self._carry[d])
            new_u = torch.bmm(micro, u)
            if d == 0 and dx is not None:
                new_u = torch.baddbmm(new_u, row_combine(self._coeffs[0], self.w_in), dx)
            u = new_u
        return (u,)
