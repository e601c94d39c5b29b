"""Elman RNN layer Jacobian (``nn.RNN`` with tanh or ReLU).

One step ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``, so ``dh'/dh = diag(act'(pre)) W_hh``
and ``dh'/dx = diag(act'(pre)) W_ih``, with ``act' = 1 - h'^2`` (tanh) or ``[pre > 0]`` (ReLU).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hyperprune.lyapunov.base import LayerCell, optional_bias


class RNNCellJacobian(LayerCell):
    """Layer ``layer`` of an ``nn.RNN`` (``nonlinearity`` ``"tanh"`` or ``"relu"``)."""

    def __init__(self, rnn: nn.RNN, layer: int) -> None:
        self.hidden_size = hidden = rnn.hidden_size
        self.relu = rnn.nonlinearity == "relu"
        self.w_ih = getattr(rnn, f"weight_ih_l{layer}")
        self.w_hh = getattr(rnn, f"weight_hh_l{layer}")
        self.w_ih_t = self.w_ih.t()
        self.w_hh_t = self.w_hh.t()
        self.bias = optional_bias(rnn, f"bias_ih_l{layer}", hidden, self.w_hh) + optional_bias(
            rnn, f"bias_hh_l{layer}", hidden, self.w_hh
        )
        self._slope: Tensor | None = None

    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        (h,) = state
        pre = torch.addmm(self.bias, x, self.w_ih_t).addmm_(h, self.w_hh_t)
        if self.relu:
            h_new = torch.relu(pre)
            self._slope = (pre > 0).to(pre.dtype)
        else:
            h_new = torch.tanh(pre)
            self._slope = 1 - h_new * h_new
        return (h_new,)

    def apply_jacobian(self, dx: Tensor | None, dstate: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        slope = self._slope.unsqueeze(-1)
        dh_new = torch.matmul(self.w_hh, dstate[0])
        if dx is not None:
            dh_new = dh_new.add_(torch.matmul(self.w_ih, dx))
        return (dh_new.mul_(slope),)
