"""Hidden-unit structure of recurrent language models: unit masks and which weights a unit owns.

Hidden unit ``j`` of recurrent layer ``l`` (``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` or the RHN)
owns, in every gate block of ``H`` rows, row ``j`` of the layer's input and recurrent weights
and biases (LSTM: 4 blocks, GRU: 3, RNN: 1, RHN: 2 in its input weight and in every micro-step),
and it feeds column ``j`` of the layer's recurrent weights and of the next layer's input weight
(or of the decoder after the last layer). Removing the unit zeroes all of these.

With its rows and biases zero, a unit whose state starts at zero stays exactly zero on every
cell type: LSTM ``c' = 0.5 c + 0.5 tanh(0) = 0``, ``h' = 0.5 tanh(c') = 0``; GRU
``h' = 0.5 tanh(0) + 0.5 h = 0``; RNN ``h' = tanh(0) = 0``; RHN ``s' = s + 0.5 (tanh(0) - s)
= 0`` at every micro-step. The columns it feeds then only ever multiply zeros, so a copy of
the network without the unit (:mod:`~hyperprune.pruning.structured.hidden_unit_removal`) computes the same
outputs.

:class:`UnitMaskSet` is a :class:`MaskSet` over the recurrent weight matrices and the untied
decoder (the counted, prunable part; the embedding is not touched); ``apply`` also zeroes the
removed units' biases, which are its companions. Its sparsity counts weights; the unit
sparsity is :func:`unit_report`'s, counted from the weights.

Example::

    masks = UnitMaskSet(model)
    masks.set_units([keep_layer0, keep_layer1])        # one bool vector (H,) per layer
    masks.apply()
    unit_report(model)["sparsity"]                      # fraction of hidden units removed
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.core.masks import MaskSet


@dataclass(frozen=True)
class UnitLayer:
    """Parameter names of one recurrent layer, by the role they play for its hidden units."""

    index: int
    hidden_size: int
    #: weights with ``blocks`` stacked gate blocks of ``hidden_size`` rows: (name, blocks)
    rows: tuple[tuple[str, int], ...]
    #: biases with the same row layout
    biases: tuple[tuple[str, int], ...]
    #: weights whose column ``j`` reads unit ``j`` (own recurrent weights, next input or decoder)
    columns: tuple[str, ...]
    #: the input weight (its rows tell which units are kept)
    input_weight: str
    #: weight shape ER/ERK score for this layer: (rows of all gates, inputs + recurrent columns)
    weight_shape: tuple[int, int]

    @property
    def label(self) -> str:
        return f"rnn layer {self.index}"


def _rnn_of(model: nn.Module) -> nn.Module:
    from hyperprune.models.rhn import RHN

    rnn = getattr(model, "rnn", None)
    if not isinstance(rnn, (nn.LSTM, nn.GRU, nn.RNN, RHN)) or not isinstance(getattr(model, "decoder", None),
                                                                             nn.Linear):
        from hyperprune.models import model_kinds

        raise UserError(f"structure=units needs a recurrent language model ({', '.join(model_kinds('lm'))})")
    if getattr(model, "tied", False):
        raise UserError("structure=units needs untied weights (the decoder's inputs are the hidden units); "
                        "set model.tie_weights=false")
    if isinstance(rnn, nn.Module) and getattr(rnn, "bidirectional", False):
        raise UserError("structure=units does not support bidirectional recurrent layers")
    if getattr(rnn, "proj_size", 0):
        raise UserError("structure=units does not support LSTM projections (proj_size > 0)")
    return rnn


def unit_layers(model: nn.Module) -> list[UnitLayer]:
    """The recurrent layers of a language model with the names of what their units own."""
    from hyperprune.models.rhn import RHN

    rnn = _rnn_of(model)
    params = dict(model.named_parameters())
    hidden = rnn.hidden_size
    layers = []
    for layer in range(rnn.num_layers):
        if isinstance(rnn, RHN):
            recurrent = [f"rnn.weight_hh_l{layer}_d{d}" for d in range(rnn.depth)]
            biases = [f"rnn.bias_l{layer}_d{d}" for d in range(rnn.depth)]
        else:
            recurrent = [f"rnn.weight_hh_l{layer}"]
            biases = [n for n in (f"rnn.bias_ih_l{layer}", f"rnn.bias_hh_l{layer}") if n in params]
        input_weight = f"rnn.weight_ih_l{layer}"
        row_names = [input_weight, *recurrent]
        following = f"rnn.weight_ih_l{layer + 1}" if layer + 1 < rnn.num_layers else "decoder.weight"
        total_rows = sum(params[n].shape[0] for n in row_names)
        layers.append(UnitLayer(
            index=layer, hidden_size=hidden,
            rows=tuple((n, params[n].shape[0] // hidden) for n in row_names),
            biases=tuple((n, params[n].shape[0] // hidden) for n in biases),
            columns=(*recurrent, following), input_weight=input_weight,
            weight_shape=(total_rows, params[input_weight].shape[1] + len(recurrent) * hidden)))
    return layers


def row_vector(keep: torch.Tensor, blocks: int) -> torch.Tensor:
    """The row mask of a ``blocks``-gate weight from a unit vector: ``keep`` repeated per gate."""
    return keep.repeat(blocks)


def unit_scores(layers: list[UnitLayer], scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per-weight scores averaged per unit over everything it owns: its rows in every gate plus
    the columns it feeds.

    With magnitude scores this is the mean ``|w|`` of the unit's weights; with SNIP's
    sensitivities the saliency of removing the unit per weight it owns. The mean (rather than
    the sum) keeps units of different layers comparable in a global ranking: a last-layer unit
    also owns a decoder column as long as the vocabulary.
    """
    out = {}
    for layer in layers:
        hidden = layer.hidden_size
        total = torch.zeros(hidden, dtype=torch.float64)
        count = 0
        for name, blocks in layer.rows:
            value = scores[name].detach().double().cpu().reshape(blocks, hidden, -1)
            total += value.sum(dim=(0, 2))
            count += blocks * value.shape[2]
        for name in layer.columns:
            if name in scores:
                total += scores[name].detach().double().cpu().sum(dim=0)
                count += scores[name].shape[0]
        out[layer.label] = total / max(count, 1)
    return out


class UnitMaskSet(MaskSet):
    """A :class:`MaskSet` whose masks remove whole hidden units of a recurrent language model."""

    def __init__(self, model: nn.Module) -> None:
        self.layers = unit_layers(model)
        names = {n for layer in self.layers for n, _ in layer.rows} | {
            n for layer in self.layers for n in layer.columns}
        super().__init__(model, [n for n, _ in model.named_parameters() if n in names])
        params = dict(model.named_parameters())
        self.companions: dict[str, tuple[nn.Parameter, int, int]] = {
            name: (params[name], i, blocks) for i, layer in enumerate(self.layers) for name, blocks in layer.biases}

    def units(self) -> list[torch.Tensor]:
        """Per layer, the bool vector of kept units (CPU)."""
        out = []
        for layer in self.layers:
            first = self.masks[layer.input_weight][: layer.hidden_size]
            out.append(first.any(dim=1).cpu())
        return out

    def set_units(self, keep: list[torch.Tensor]) -> None:
        """Set every mask from one bool vector (True = kept) per recurrent layer."""
        if len(keep) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} unit vectors, got {len(keep)}")
        for layer, vector in zip(self.layers, keep, strict=True):
            if tuple(vector.shape) != (layer.hidden_size,):
                raise ValueError(f"{layer.label}: expected {layer.hidden_size} units, got {tuple(vector.shape)}")
        for name in self.names:
            self.masks[name] = torch.ones_like(self.masks[name])
        for layer, vector in zip(self.layers, keep, strict=True):
            vector = vector.detach().cpu().to(torch.bool)
            for name, blocks in layer.rows:
                rows = row_vector(vector, blocks).to(self.masks[name].device)
                self.masks[name] &= rows.unsqueeze(1)
            for name in layer.columns:
                self.masks[name] &= vector.to(self.masks[name].device).unsqueeze(0)

    def companion_masks(self) -> dict[nn.Parameter, torch.Tensor]:
        """Bias -> its bool mask (the kept units' rows), for zeroing averaged copies too."""
        keep = self.units()
        return {param: row_vector(keep[i], blocks).to(param.device)
                for param, i, blocks in self.companions.values()}

    @torch.no_grad()
    def apply(self) -> None:
        super().apply()
        for param, mask in self.companion_masks().items():
            param.masked_fill_(~mask, 0.0)

    @torch.no_grad()
    def mask_gradients(self) -> None:
        super().mask_gradients()
        for param, mask in self.companion_masks().items():
            if param.grad is not None:
                param.grad.masked_fill_(~mask, 0.0)


def dead_units(model: nn.Module) -> list[torch.Tensor]:
    """Per layer, the units whose rows (all gates) and biases are exactly zero in the weights."""
    params = dict(model.named_parameters())
    dead = []
    for layer in unit_layers(model):
        hidden = layer.hidden_size
        vector = torch.ones(hidden, dtype=torch.bool)
        for name, blocks in (*layer.rows, *layer.biases):
            value = params[name].detach().cpu().reshape(blocks, hidden, -1)
            vector &= (value == 0).all(dim=2).all(dim=0)
        dead.append(vector)
    return dead


def unit_report(model: nn.Module) -> dict:
    """Hidden units per layer, counted from the weights: total, kept, and the unit sparsity."""
    layers = {}
    for layer, dead in zip(unit_layers(model), dead_units(model), strict=True):
        layers[layer.label] = {"total": layer.hidden_size, "kept": int((~dead).sum())}
    total = sum(v["total"] for v in layers.values())
    kept = sum(v["kept"] for v in layers.values())
    return {"layers": layers, "total": total, "kept": kept, "sparsity": 1.0 - kept / total if total else 0.0}
