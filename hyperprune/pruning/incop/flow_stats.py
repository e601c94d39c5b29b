"""Information-flow and gradient-flow statistics of a network (the InCoP stopping signals).

* :func:`correlation_flow`: for each pair of consecutive layers, the mean absolute Pearson
  correlation between the units of the first and the units of the second, measured on a few
  fixed batches in eval mode. Unit activations are: the outputs of Linear, Conv2d (averaged
  over space, one value per channel) and Embedding layers in the order they fire; for a
  language model with a ``.rnn`` and a ``.decoder``, the recurrent stack's input, the output
  of every recurrent layer below the top one, and the decoder input (the top layer's output).
* :func:`gradient_flow`: for each prunable tensor, the mean ``|dL/dw|`` over its alive weights,
  from real gradients of the given batches (computed afresh with ``torch.autograd.grad``; the
  optimizer's ``.grad`` buffers are neither read nor written). The dense model's vector is
  the same statistic with all weights alive, so the two compare like for like.

Both return one float64 vector; :func:`flow_distance` is the L2 distance between two
(optionally relative to the reference vector's norm).

Example::

    dense = correlation_flow(model, ctx.batches("heldout", 4), ctx.loss)
    ...
    if flow_distance(correlation_flow(model, batches, ctx.loss), dense) < epsilon: stop
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from hyperprune.pruning.core.masks import MaskSet

LossFn = Callable[[nn.Module, tuple[torch.Tensor, torch.Tensor]], torch.Tensor]
RECURRENT = (nn.LSTM, nn.GRU, nn.RNN)


@contextmanager
def _eval_mode(model: nn.Module):
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _units(x: torch.Tensor) -> torch.Tensor:
    """Activations as (samples, units): channels of a conv map are averaged over space."""
    if isinstance(x, tuple):
        x = x[0]
    x = x.detach()
    if x.dim() == 4:
        return x.mean(dim=(2, 3))
    return x.reshape(-1, x.size(-1))


def _single_layer(rnn: nn.RNNBase, k: int, input_size: int) -> nn.RNNBase:
    """A one-layer copy of layer ``k`` of a stacked torch RNN (global RNG untouched)."""
    kwargs = {"input_size": input_size, "hidden_size": rnn.hidden_size, "num_layers": 1,
              "bias": rnn.bias, "batch_first": rnn.batch_first}
    if isinstance(rnn, nn.RNN):
        kwargs["nonlinearity"] = rnn.nonlinearity
    with torch.random.fork_rng(devices=[]):
        layer = type(rnn)(**kwargs)
    ref = rnn.weight_ih_l0
    layer = layer.to(device=ref.device, dtype=ref.dtype)
    with torch.no_grad():
        for stem in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if hasattr(rnn, f"{stem}_l{k}"):
                getattr(layer, f"{stem}_l0").copy_(getattr(rnn, f"{stem}_l{k}"))
    return layer


def _lm_activations(model: nn.Module, batch, forward: LossFn) -> list[torch.Tensor]:
    captured: dict[str, torch.Tensor] = {}

    def grab(key: str):
        def hook(_module, args):
            captured[key] = args[0].detach()
        return hook

    handles = [model.rnn.register_forward_pre_hook(grab("rnn_in")),
               model.decoder.register_forward_pre_hook(grab("decoder_in"))]
    try:
        forward(model, batch)
    finally:
        for h in handles:
            h.remove()
    acts = [_units(captured["rnn_in"])]
    rnn = model.rnn
    if isinstance(rnn, RECURRENT) and rnn.num_layers > 1:
        x = captured["rnn_in"]
        for k in range(rnn.num_layers - 1):
            x, _ = _single_layer(rnn, k, x.size(-1))(x)
            acts.append(_units(x))
    acts.append(_units(captured["decoder_in"]))
    return acts


def _generic_activations(model: nn.Module, batch, forward: LossFn) -> list[torch.Tensor]:
    acts: list[torch.Tensor] = []

    def hook(_module, _args, output):
        acts.append(_units(output))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv2d, nn.Embedding, *RECURRENT))]
    try:
        forward(model, batch)
    finally:
        for h in handles:
            h.remove()
    return acts


@torch.no_grad()
def layer_activations(model: nn.Module, batches: Sequence, forward: LossFn) -> list[torch.Tensor]:
    """Per layer, the unit activations over all ``batches`` stacked as (samples, units)."""
    is_lm = hasattr(model, "rnn") and hasattr(model, "decoder")
    per_batch = []
    with _eval_mode(model):
        for batch in batches:
            if is_lm:
                per_batch.append(_lm_activations(model, batch, forward))
            else:
                per_batch.append(_generic_activations(model, batch, forward))
    return [torch.cat(layer).double() for layer in zip(*per_batch, strict=True)]


def _standardise(x: torch.Tensor) -> torch.Tensor:
    centred = x - x.mean(dim=0)
    std = centred.pow(2).mean(dim=0).sqrt()
    scale = torch.where(std > 1e-12, 1.0 / std.clamp_min(1e-12), torch.zeros_like(std))
    return centred * scale


def mean_abs_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean ``|corr(a_i, b_j)|`` over all unit pairs; constant units count as uncorrelated."""
    corr = _standardise(a).T @ _standardise(b) / a.size(0)
    return float(corr.abs().mean())


def correlation_flow(model: nn.Module, batches: Sequence, forward: LossFn) -> torch.Tensor:
    """Mean |correlation| between each pair of consecutive layers (length: layers - 1)."""
    acts = layer_activations(model, batches, forward)
    values = [mean_abs_correlation(a, b) for a, b in zip(acts[:-1], acts[1:], strict=True)]
    return torch.tensor(values, dtype=torch.float64)


def gradient_flow(model: nn.Module, masks: MaskSet, batches: Sequence, loss: LossFn) -> torch.Tensor:
    """Mean ``|grad|`` over the alive weights of each masked tensor, averaged over ``batches``."""
    params = [p for _, p, _ in masks]
    sums = [torch.zeros_like(p, dtype=torch.float64) for p in params]
    with _eval_mode(model), torch.backends.cudnn.flags(enabled=False):
        for batch in batches:
            grads = torch.autograd.grad(loss(model, batch), params, allow_unused=True)
            for total, g in zip(sums, grads, strict=True):
                if g is not None:
                    total += g.detach().double()
    values = []
    for total, (_, _, mask) in zip(sums, masks, strict=True):
        alive = mask.sum()
        mean = (total.abs() * mask).sum() / (len(batches) * alive) if alive else total.new_zeros(())
        values.append(float(mean))
    return torch.tensor(values, dtype=torch.float64)


def flow_distance(a: torch.Tensor, b: torch.Tensor, relative: bool = False) -> float:
    """L2 distance between two statistic vectors of the same layout (``relative``: over ``||b||``)."""
    distance = float(torch.linalg.vector_norm(a - b))
    if relative:
        scale = float(torch.linalg.vector_norm(b))
        return distance / scale if scale > 0 else distance
    return distance
