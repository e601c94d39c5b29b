"""An independent, plain Lyapunov-spectrum computation for the tests.

The one-step map of the stacked state is written with ``nn.LSTM``/``nn.GRU``/``nn.RNN``'s own
forward (or from the weights where the LSTM's cell state is held fixed), differentiated with
``torch.autograd.functional.jacobian`` one sample at a time, and fed to a QR iteration
written out step by step.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.autograd.functional import jacobian


def plain_qr_spectrum(jacobians: list[torch.Tensor], k: int, warmup: int) -> torch.Tensor:
    """Exponents from a list of dense ``(n, n)`` Jacobians (one sample), QR every step."""
    n = jacobians[0].shape[0]
    q = torch.eye(n, dtype=jacobians[0].dtype)[:, :k]
    total = torch.zeros(k, dtype=q.dtype)
    for t, jac in enumerate(jacobians):
        q, r = torch.linalg.qr(jac @ q)
        signs = torch.sign(torch.diagonal(r))
        q = q * signs
        if t >= warmup:
            total += torch.log(torch.abs(torch.diagonal(r)))
    return total / (len(jacobians) - warmup)


def _lstm_layer_fixed_cell(rnn: nn.LSTM, layer: int, x, h, c):
    """One LSTM layer step from the weights, ``c`` a constant (the gates see ``h`` only)."""
    gates = x @ getattr(rnn, f"weight_ih_l{layer}").T + getattr(rnn, f"bias_ih_l{layer}")
    gates = gates + h @ getattr(rnn, f"weight_hh_l{layer}").T + getattr(rnn, f"bias_hh_l{layer}")
    i, f, g, o = gates.chunk(4)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def reference_spectrum(rnn: nn.Module, inputs: torch.Tensor, k: int | None, warmup: int, state: str = "h"):
    """``(B, k)`` spectrum by autograd Jacobians of the stacked one-step map + plain QR."""
    steps, batch, _ = inputs.shape
    layers, hidden = rnn.num_layers, rnn.hidden_size
    is_lstm = isinstance(rnn, nn.LSTM)
    results = []
    for b in range(batch):
        h = torch.zeros(layers, hidden, dtype=inputs.dtype)
        c = torch.zeros(layers, hidden, dtype=inputs.dtype)
        jacs = []
        for t in range(steps):
            x = inputs[t, b]
            if is_lstm and state == "h":
                c_fixed = c.clone()

                def step_h(h_flat, x=x, c_fixed=c_fixed):
                    inp, outs = x, []
                    for layer in range(layers):
                        inp, _ = _lstm_layer_fixed_cell(
                            rnn, layer, inp, h_flat.view(layers, hidden)[layer], c_fixed[layer]
                        )
                        outs.append(inp)
                    return torch.cat(outs)

                jacs.append(jacobian(step_h, h.reshape(-1)))
                _, (h_next, c_next) = rnn(x.view(1, 1, -1), (h.unsqueeze(1), c.unsqueeze(1)))
                h, c = h_next[:, 0].detach(), c_next[:, 0].detach()
            elif is_lstm:

                def step_hc(hc_flat, x=x):
                    hh, cc = hc_flat.view(2, layers, 1, hidden)
                    _, (h_next, c_next) = rnn(x.view(1, 1, -1), (hh.contiguous(), cc.contiguous()))
                    return torch.cat([h_next.reshape(-1), c_next.reshape(-1)])

                jacs.append(jacobian(step_hc, torch.cat([h.reshape(-1), c.reshape(-1)])))
                _, (h_next, c_next) = rnn(x.view(1, 1, -1), (h.unsqueeze(1), c.unsqueeze(1)))
                h, c = h_next[:, 0].detach(), c_next[:, 0].detach()
            else:

                def step(h_flat, x=x):
                    _, h_next = rnn(x.view(1, 1, -1), h_flat.view(layers, 1, hidden))
                    return h_next.reshape(-1)

                jacs.append(jacobian(step, h.reshape(-1)))
                _, h_next = rnn(x.view(1, 1, -1), h.unsqueeze(1))
                h = h_next[:, 0].detach()
        n = jacs[0].shape[0]
        results.append(plain_qr_spectrum(jacs, n if k is None else k, warmup))
    return torch.stack(results)
