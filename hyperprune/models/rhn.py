"""Recurrent highway network (RHN) with a coupled carry gate, as a drop-in for ``nn.LSTM``.

One time step of one layer runs ``depth`` highway micro-steps on the state ``s``
(Zilly et al., "Recurrent Highway Networks")::

    s_0 = h_{t-1}
    for d in 0 .. depth-1:
        pre   = R_d s_d + b_d  (+ W x_t  only for d = 0)   # rows: [candidate | transform gate]
        cand  = tanh(pre[:H]);  gate = sigmoid(pre[H:])
        s_{d+1} = gate * cand + (1 - gate) * s_d            # carry gate coupled: c = 1 - t
    h_t = s_depth

Stacked layers feed their output sequence to the next layer, like ``nn.LSTM``. There is no
dropout inside the module: the language model applies dropout around it.

Parameters are plain attributes with relative names (``weight_ih_l0``, ``weight_hh_l0_d1``,
``bias_l0_d1``) so masks address them like ``nn.LSTM`` weights; ``weight_ih_l{l}`` and
``weight_hh_l{l}_d{d}`` stack the candidate rows ``[:H]`` over the transform-gate rows ``[H:]``.

Example::

    rnn = RHN(input_size=32, hidden_size=64, depth=3, num_layers=2)
    out, h_T = rnn(torch.randn(35, 4, 32))      # out (35, 4, 64), h_T (2, 4, 64)
    rnn.prunable_weight_names()                 # ['weight_ih_l0', 'weight_hh_l0_d0', ...]
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

#: Initial transform-gate bias: negative so that a fresh network mostly carries its state,
#: which keeps gradients alive through deep recurrence (the RHN paper's recommendation).
TRANSFORM_BIAS_INIT = -2.0


class RHN(nn.Module):
    """Stacked recurrent highway network; ``forward(inputs (T,B,I), h0 (L,B,H) | None)``."""

    def __init__(self, input_size: int, hidden_size: int, depth: int, num_layers: int = 1) -> None:
        super().__init__()
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("depth", depth),
            ("num_layers", num_layers),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"RHN {name} must be a positive integer, got {value!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.depth = depth
        self.num_layers = num_layers
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size
            self.register_parameter(
                f"weight_ih_l{layer}", nn.Parameter(torch.empty(2 * hidden_size, in_size))
            )
            for d in range(depth):
                self.register_parameter(
                    f"weight_hh_l{layer}_d{d}", nn.Parameter(torch.empty(2 * hidden_size, hidden_size))
                )
                self.register_parameter(f"bias_l{layer}_d{d}", nn.Parameter(torch.empty(2 * hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform(-1/sqrt(H), 1/sqrt(H)) weights, zero candidate bias, negative gate bias."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for name, param in self.named_parameters():
                if name.startswith("bias"):
                    param[: self.hidden_size].zero_()
                    param[self.hidden_size :].fill_(TRANSFORM_BIAS_INIT)
                else:
                    param.uniform_(-bound, bound)

    def input_weight(self, layer: int) -> Tensor:
        """``(2H, in)`` input weight of ``layer`` (used only by the first micro-step)."""
        return getattr(self, f"weight_ih_l{layer}")

    def recurrent_weight(self, layer: int, d: int) -> Tensor:
        """``(2H, H)`` recurrent weight of micro-step ``d`` of ``layer``."""
        return getattr(self, f"weight_hh_l{layer}_d{d}")

    def bias(self, layer: int, d: int) -> Tensor:
        """``(2H,)`` bias of micro-step ``d`` of ``layer``."""
        return getattr(self, f"bias_l{layer}_d{d}")

    def prunable_weight_names(self) -> list[str]:
        """Relative names of all weight matrices (biases excluded), in parameter order."""
        names = []
        for layer in range(self.num_layers):
            names.append(f"weight_ih_l{layer}")
            names.extend(f"weight_hh_l{layer}_d{d}" for d in range(self.depth))
        return names

    def cell(self, layer: int, x_proj: Tensor, s: Tensor) -> Tensor:
        """One time step of ``layer``: ``x_proj`` = input projection ``x @ W^T`` (B, 2H), ``s`` (B, H)."""
        hidden = self.hidden_size
        for d in range(self.depth):
            pre = torch.addmm(self.bias(layer, d), s, self.recurrent_weight(layer, d).t())
            if d == 0:
                pre = pre + x_proj
            cand = torch.tanh(pre[:, :hidden])
            gate = torch.sigmoid(pre[:, hidden:])
            s = s + gate * (cand - s)
        return s

    def forward(self, inputs: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if inputs.dim() != 3 or inputs.shape[2] != self.input_size:
            raise ValueError(
                f"RHN expects inputs of shape (T, B, {self.input_size}), got {tuple(inputs.shape)}"
            )
        steps, batch, _ = inputs.shape
        expected = (self.num_layers, batch, self.hidden_size)
        if h0 is None:
            h0 = inputs.new_zeros(expected)
        elif tuple(h0.shape) != expected:
            raise ValueError(f"RHN h0 must have shape {expected}, got {tuple(h0.shape)}")
        layer_input = inputs
        finals = []
        for layer in range(self.num_layers):
            x_proj = torch.matmul(layer_input, self.input_weight(layer).t())
            s = h0[layer]
            outputs = []
            for t in range(steps):
                s = self.cell(layer, x_proj[t], s)
                outputs.append(s)
            layer_input = torch.stack(outputs) if steps else inputs.new_zeros(0, batch, self.hidden_size)
            finals.append(s)
        return layer_input, torch.stack(finals)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, depth={self.depth}, num_layers={self.num_layers}"
