"""Lyapunov spectrum of a stacked recurrent network driven by a given input sequence.

The tangent frame ``Q`` (orthonormal columns, initially the first ``k`` columns of the
identity) evolves as ``Q <- qr(J_t Q)`` with ``J_t = d h_t / d h_{t-1}`` over the stacked
hidden state of all layers, and exponent ``i`` is the time average of ``log r_ii``. Layer
``l`` reads layer ``l-1``'s *new* output, so the stacked Jacobian is block lower-triangular
with chained off-diagonal blocks; it is applied layer by layer (see the cell files), never
formed as a whole.

Example::

    lstm = torch.nn.LSTM(16, 32, num_layers=2)
    spectrum = lyapunov_spectrum(lstm, torch.randn(35, 2, 16), warmup=10)   # (2, 64)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hyperprune.lyapunov.base import LayerCell
from hyperprune.lyapunov.gru import GRUCellJacobian
from hyperprune.lyapunov.lstm import LSTMCellJacobian
from hyperprune.lyapunov.qr import positive_qr
from hyperprune.lyapunov.rhn import RHNCellJacobian
from hyperprune.lyapunov.rnn import RNNCellJacobian
from hyperprune.lyapunov.schedule import normalise_columns, qr_schedule
from hyperprune.models.compact_language import StackedRNN
from hyperprune.models.rhn import RHN

SUPPORTED = "torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN (tanh, relu) or hyperprune.models.rhn.RHN"


def _check_module(rnn: nn.Module, state: str) -> None:
    if state not in ("h", "hc"):
        raise ValueError(f"state must be 'h' or 'hc', got {state!r}")
    if isinstance(rnn, StackedRNN):  # layers of different widths (a unit-pruned network)
        for layer in rnn.layers:
            _check_module(layer, state)
        return
    if isinstance(rnn, RHN):
        if state == "hc":
            raise ValueError("state='hc' (hidden and cell state) is only defined for torch.nn.LSTM")
        return
    if not isinstance(rnn, (nn.LSTM, nn.GRU, nn.RNN)):
        raise ValueError(f"unsupported recurrent module {type(rnn).__name__}; expected {SUPPORTED}")
    if rnn.batch_first:
        raise ValueError(
            "batch_first=True is not supported: pass a module with batch_first=False "
            "and inputs of shape (T, B, input_size)"
        )
    if rnn.bidirectional:
        raise ValueError("bidirectional recurrent modules have no forward-time Lyapunov spectrum")
    if getattr(rnn, "proj_size", 0):
        raise ValueError("LSTM with proj_size > 0 is not supported")
    if state == "hc" and not isinstance(rnn, nn.LSTM):
        raise ValueError("state='hc' (hidden and cell state) is only defined for torch.nn.LSTM")


def _build_cells(rnn: nn.Module, state: str) -> list[LayerCell]:
    if isinstance(rnn, StackedRNN):
        return [_build_cells(layer, state)[0] for layer in rnn.layers]
    layers = range(rnn.num_layers)
    if isinstance(rnn, RHN):
        return [RHNCellJacobian(rnn, layer) for layer in layers]
    if isinstance(rnn, nn.LSTM):
        return [LSTMCellJacobian(rnn, layer, with_cell=state == "hc") for layer in layers]
    if isinstance(rnn, nn.GRU):
        return [GRUCellJacobian(rnn, layer) for layer in layers]
    return [RNNCellJacobian(rnn, layer) for layer in layers]


def _initial_states(
    rnn: nn.Module, h0: Tensor | tuple[Tensor, Tensor] | None, batch: int, like: Tensor
) -> list[tuple[Tensor, ...]]:
    """Per-layer ``(h, c)`` (LSTM) or ``(h,)`` tuples; ``None`` means zeros."""
    if isinstance(rnn, StackedRNN):
        if h0 is not None:
            raise ValueError("a stacked RNN of different widths starts from zeros only (h0=None)")
        n_parts = 2 if rnn.is_lstm else 1
        return [tuple(like.new_zeros(batch, size) for _ in range(n_parts)) for size in rnn.hidden_sizes]
    shape = (rnn.num_layers, batch, rnn.hidden_size)
    is_lstm = isinstance(rnn, nn.LSTM)
    if h0 is None:
        parts = [like.new_zeros(shape)] * (2 if is_lstm else 1)
    elif isinstance(h0, (tuple, list)):
        if not is_lstm or len(h0) != 2:
            raise ValueError("h0 as a (h0, c0) pair is only accepted for torch.nn.LSTM")
        parts = list(h0)
    else:
        parts = [h0, like.new_zeros(shape)] if is_lstm else [h0]
    for part in parts:
        if not isinstance(part, Tensor) or tuple(part.shape) != shape:
            got = tuple(part.shape) if isinstance(part, Tensor) else type(part).__name__
            raise ValueError(f"h0 must have shape {shape} (num_layers, batch, hidden), got {got}")
    parts = [p.to(device=like.device, dtype=like.dtype) for p in parts]
    return [tuple(p[layer] for p in parts) for layer in range(rnn.num_layers)]


def lyapunov_spectrum(
    rnn: nn.Module,
    inputs: Tensor,
    h0: Tensor | tuple[Tensor, Tensor] | None = None,
    *,
    k: int | None = None,
    warmup: int = 0,
    state: str = "h",
    qr_every: int = 1,
) -> Tensor:
    """Lyapunov exponents (natural log, per time step) of ``rnn`` along ``inputs``, per sample.

    Args:
        rnn: ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` (tanh or relu; any ``num_layers``;
            ``batch_first=False``), :class:`~hyperprune.models.rhn.RHN`, or a
            :class:`~hyperprune.models.compact_language.StackedRNN` of single-layer ones of
            different widths (a unit-pruned network; zero initial state). Cells are computed
            from the weights, so inter-layer dropout never applies (eval semantics).
        inputs: ``(T, B, input_size)``, same dtype (float32 or float64) and device as the weights.
        h0: initial hidden state ``(num_layers, B, H)``; for an LSTM also an ``(h0, c0)`` pair.
            ``None``: zeros.
        k: number of exponents (the leading ``k`` columns of the frame); ``None``: all of them,
            ``num_layers * H`` (``2 * num_layers * H`` with ``state="hc"``).
        warmup: the first ``warmup`` steps advance the state and the frame (a sign-fixed QR
            every step) without accumulating; the exponents are the mean of ``log r_ii``
            over the remaining ``T - warmup`` steps. Unlike the reference system, which warms
            up with one QR after ``warmup`` steps and then feeds those same tokens again from
            the warmed state (averaging over all ``T``), every token here is fed exactly once.
            Needs ``0 <= warmup < T``.
        state: ``"h"``: the state is the stacked hidden state; for an LSTM ``c_{t-1}`` enters
            as a fixed coefficient, as in the reference system. ``"hc"`` (LSTM only): the full
            state, ordered ``[h_layer0 .. h_layerL-1, c_layer0 .. c_layerL-1]``.
        qr_every: re-orthonormalise the frame every ``qr_every`` steps (plus at the end of
            the warm-up and at the last step, see :mod:`hyperprune.lyapunov.schedule`); in
            between, the frame's columns are only rescaled to unit length. ``1`` (the
            default) is the exact every-step iteration; larger values trade accuracy of the
            trailing exponents for fewer QRs.

    Returns:
        ``(B, k)`` exponents in QR order (column ``i`` of the frame; not sorted), in the
        dtype of the inputs. Natural log per step; the reference system's numbers use
        ``log2`` (divide by ``ln 2`` to compare).

    Raises:
        ValueError: unsupported module or options, bad shapes or dtypes, ``k`` or ``warmup``
            out of range.
    """
    _check_module(rnn, state)
    if not isinstance(inputs, Tensor) or inputs.dim() != 3:
        raise ValueError(
            f"inputs must be a (T, B, input_size) tensor, got {getattr(inputs, 'shape', inputs)!r}"
        )
    steps, batch, in_size = inputs.shape
    if in_size != rnn.input_size:
        raise ValueError(f"inputs have {in_size} features, the module expects input_size={rnn.input_size}")
    weight = next(rnn.parameters())
    if inputs.dtype not in (torch.float32, torch.float64) or inputs.dtype != weight.dtype:
        raise ValueError(
            f"inputs dtype {inputs.dtype} must match the module's dtype {weight.dtype} (float32 or float64)"
        )
    if inputs.device != weight.device:
        raise ValueError(f"inputs are on {inputs.device} but the module is on {weight.device}")
    n_state = 2 if state == "hc" else 1
    layers = rnn.num_layers
    sizes = list(rnn.hidden_sizes) if isinstance(rnn, StackedRNN) else [rnn.hidden_size] * layers
    width = sum(sizes)
    starts = [sum(sizes[:layer]) for layer in range(layers)]
    dim = n_state * width
    if k is None:
        k = dim
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= dim:
        raise ValueError(f"k must be an integer in [1, {dim}] (the state dimension) or None, got {k!r}")
    if not isinstance(warmup, int) or isinstance(warmup, bool) or not 0 <= warmup < steps:
        raise ValueError(f"warmup must be an integer with 0 <= warmup < T={steps}, got {warmup!r}")
    schedule = qr_schedule(steps, warmup, qr_every)

    with torch.no_grad():
        cells = _build_cells(rnn, state)
        states = _initial_states(rnn, h0, batch, inputs)
        frame = torch.eye(dim, k, dtype=inputs.dtype, device=inputs.device).expand(batch, dim, k).contiguous()
        total = inputs.new_zeros(batch, k)
        # Row slices of the frame: part p (0 = h, 1 = c) of each layer.
        rows = [
            [slice(p * width + starts[layer], p * width + starts[layer] + sizes[layer]) for p in range(n_state)]
            for layer in range(layers)
        ]
        for t in range(steps):
            x = inputs[t]
            for layer, cell in enumerate(cells):
                states[layer] = cell.step(x, states[layer])
                x = states[layer][0]
            blocks: list[list[Tensor]] = [[] for _ in range(n_state)]
            dx = None
            for layer, cell in enumerate(cells):
                tangent = cell.apply_jacobian(dx, tuple(frame[:, s, :] for s in rows[layer]))
                for p in range(n_state):
                    blocks[p].append(tangent[p])
                dx = tangent[0]
            pushed = torch.cat([b for part in blocks for b in part], dim=1)
            frame, log_r = positive_qr(pushed) if schedule[t] else normalise_columns(pushed)
            if t >= warmup:
                total += log_r
        return total / (steps - warmup)
