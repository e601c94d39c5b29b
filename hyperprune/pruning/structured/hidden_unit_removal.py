"""Physical removal of hidden units: a unit-pruned language model as a smaller network.

:func:`remove_units` slices every recurrent layer of a
:class:`~hyperprune.models.language.RNNLanguageModel` down to its kept units (rows of every
gate block, biases, recurrent columns, the next layer's input columns, the decoder's input
columns) and returns a :class:`~hyperprune.models.compact_language.CompactLanguageModel` of
single-layer ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` / RHN modules of those widths. When the
removed units are dead (see :mod:`~hyperprune.pruning.structured.hidden_units`) it computes the same
logits as the masked model, in eval and (with the same dropout draws) in train mode, from
any hidden state whose removed units are zero. ``model`` is not changed.

Example::

    small = remove_units(model, [keep0, keep1])
    logits, _ = small(tokens)                 # == model(tokens)[0] to float tolerance
"""

from __future__ import annotations

import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.models.compact_language import CompactLanguageModel
from hyperprune.pruning.structured.hidden_units import row_vector, unit_layers


def _kind(model: nn.Module) -> str:
    rnn = model.rnn
    if isinstance(rnn, nn.RNN):
        return "rnn_relu" if rnn.nonlinearity == "relu" else "rnn_tanh"
    return {nn.LSTM: "lstm", nn.GRU: "gru"}.get(type(rnn), "rhn")


def _dropouts(model: nn.Module) -> dict[str, float]:
    rnn = model.rnn
    return {"dropout": float(model.output_drop.p), "dropout_i": float(model.input_drop.p),
            "dropout_e": float(getattr(model, "dropout_e", 0.0)),
            "dropout_h": float(getattr(rnn, "dropout", 0.0) or 0.0)}


def _rename(name: str, layer: int) -> str:
    """``rnn.weight_hh_l1_d0`` -> ``weight_hh_l0_d0`` (the parameter in a single-layer module)."""
    leaf = name.split(".", 1)[1]
    return leaf.replace(f"_l{layer}", "_l0", 1)


def remove_units(model: nn.Module, keep: list[torch.Tensor]) -> CompactLanguageModel:
    """A physically smaller copy of a recurrent language model keeping ``keep[l]`` units of layer ``l``."""
    layers = unit_layers(model)
    if len(keep) != len(layers):
        raise ValueError(f"expected {len(layers)} unit vectors, got {len(keep)}")
    keep = [k.detach().to("cpu", torch.bool) for k in keep]
    for layer, vector in zip(layers, keep, strict=True):
        if tuple(vector.shape) != (layer.hidden_size,):
            raise ValueError(f"{layer.label}: expected {layer.hidden_size} units")
        if not vector.any():
            raise UserError(f"{layer.label} would keep no unit; the network would have no output")
    arch = {"kind": _kind(model), "vocab_size": model.encoder.num_embeddings,
            "emb_size": model.encoder.embedding_dim, "hidden_sizes": [int(k.sum()) for k in keep],
            "rhn_depth": int(getattr(model.rnn, "depth", 1)), **_dropouts(model)}
    weight = model.decoder.weight
    small = CompactLanguageModel(arch).to(device=weight.device, dtype=weight.dtype)
    params = dict(model.named_parameters())
    with torch.no_grad():
        small.encoder.weight.copy_(model.encoder.weight)
        for layer, vector in zip(layers, keep, strict=True):
            target = dict(small.rnn.layers[layer.index].named_parameters())
            index = vector.nonzero().flatten()
            before = keep[layer.index - 1].nonzero().flatten() if layer.index > 0 else None
            for name, blocks in (*layer.rows, *layer.biases):
                value = params[name].detach()
                rows = row_vector(vector, blocks).nonzero().flatten().to(value.device)
                value = value.index_select(0, rows)
                if value.dim() == 2:
                    columns = index if name != layer.input_weight else before
                    if columns is not None:
                        value = value.index_select(1, columns.to(value.device))
                target[_rename(name, layer.index)].copy_(value)
        last = keep[-1].nonzero().flatten().to(weight.device)
        small.decoder.weight.copy_(weight.detach().index_select(1, last))
        small.decoder.bias.copy_(model.decoder.bias.detach())
    return small.train(model.training)


def compact_hidden(hidden, keep: list[torch.Tensor], is_lstm: bool) -> tuple[torch.Tensor, ...]:
    """A full model's hidden state ``(L, B, H)`` (pair for an LSTM) sliced to the compact layout."""
    parts = hidden if is_lstm else (hidden,)
    out = []
    for layer, vector in enumerate(keep):
        index = vector.nonzero().flatten().to(parts[0].device)
        out.extend(part[layer : layer + 1].index_select(2, index) for part in parts)
    return tuple(out)
