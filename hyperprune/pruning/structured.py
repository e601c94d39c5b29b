"""Filter-level structure of a CNN: whole-filter masks and physical removal of pruned filters.

A *filter layer* is a ``Conv2d`` plus the ``BatchNorm2d`` that normalises its output. Pruning
filter ``f`` zeroes its conv weights (the counted, prunable part), its conv bias, and its
batch-norm scale and shift: the channel then outputs exactly zero in train and eval mode, so
the in-channels of the next conv (or the classifier's in-features after global average
pooling) only ever see zeros. :func:`remove_filters` slices all of these away and returns a
smaller network with the same outputs in eval mode.

Example::

    masks = FilterMaskSet(model)                       # over every conv weight of the model
    masks.set_filters([keep0, keep1, keep2, keep3])    # one bool vector per conv layer
    masks.apply()
    small = remove_filters(model, dict(enumerate(masks.filters())))
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.masks import MaskSet


@dataclass(frozen=True)
class FilterLayer:
    """Parameter names of one conv layer and of the batch norm that follows it (if any)."""

    conv_weight: str
    conv_bias: str | None
    bn_weight: str | None
    bn_bias: str | None
    out_channels: int


def filter_layers(model: nn.Module) -> list[FilterLayer]:
    """Every ``Conv2d`` in module order, each paired with the next ``BatchNorm2d`` of its width.

    Raises :class:`UserError` when the model has no conv layer (filter masks need a CNN).
    """
    found: list[dict[str, Any]] = []
    for name, module in model.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(module, nn.Conv2d):
            if module.groups != 1:
                raise UserError(f"filter masks do not support grouped convolutions ({name})")
            found.append({"conv_weight": prefix + "weight",
                          "conv_bias": prefix + "bias" if module.bias is not None else None,
                          "bn_weight": None, "bn_bias": None, "out_channels": module.out_channels})
        elif (isinstance(module, nn.BatchNorm2d) and found and found[-1]["bn_weight"] is None
              and module.num_features == found[-1]["out_channels"] and module.affine):
            found[-1]["bn_weight"], found[-1]["bn_bias"] = prefix + "weight", prefix + "bias"
    if not found:
        raise UserError("structure=filters needs a model with conv layers (the CNN); "
                        "use structure=unstructured for language models and MLPs")
    return [FilterLayer(**entry) for entry in found]


class FilterMaskSet(MaskSet):
    """A :class:`MaskSet` over conv weights whose masks are whole output filters.

    The mask set (and so the sparsity it reports) covers the conv weights only; ``apply`` also
    zeroes the pruned filters' conv bias and batch-norm scale and shift so that they are dead.
    """

    def __init__(self, model: nn.Module, layers: list[FilterLayer] | None = None) -> None:
        self.layers = layers if layers is not None else filter_layers(model)
        super().__init__(model, [layer.conv_weight for layer in self.layers])
        params = dict(model.named_parameters())
        self.companions: dict[str, tuple[nn.Parameter, int]] = {}
        for i, layer in enumerate(self.layers):
            for name in (layer.conv_bias, layer.bn_weight, layer.bn_bias):
                if name is not None:
                    self.companions[name] = (params[name], i)

    def filters(self) -> list[torch.Tensor]:
        """Per conv layer, the bool vector of kept filters (a filter is kept if any weight is)."""
        return [self.masks[layer.conv_weight].flatten(1).any(dim=1) for layer in self.layers]

    def set_filters(self, keep: list[torch.Tensor]) -> None:
        """Set the masks from one bool vector per conv layer (True = filter kept)."""
        if len(keep) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} filter vectors, got {len(keep)}")
        for layer, vector in zip(self.layers, keep, strict=True):
            weight = self.params[layer.conv_weight]
            if vector.shape != (layer.out_channels,):
                raise ValueError(f"{layer.conv_weight}: expected {layer.out_channels} filters")
            shape = (-1,) + (1,) * (weight.dim() - 1)
            self.masks[layer.conv_weight] = vector.to(weight.device, torch.bool).view(shape).expand_as(
                weight).clone()

    @torch.no_grad()
    def apply(self) -> None:
        super().apply()
        keep = self.filters()
        for param, i in self.companions.values():
            param.masked_fill_(~keep[i].to(param.device), 0.0)

    @torch.no_grad()
    def mask_gradients(self) -> None:
        super().mask_gradients()
        keep = self.filters()
        for param, i in self.companions.values():
            if param.grad is not None:
                param.grad.masked_fill_(~keep[i].to(param.device), 0.0)


def dead_filters(model: nn.Module) -> list[torch.Tensor]:
    """Per conv layer, the filters whose output is exactly zero whatever the input.

    With batch norm that is a zero scale and shift; without, zero weights and bias.
    """
    params = dict(model.named_parameters())
    dead = []
    for layer in filter_layers(model):
        if layer.bn_weight is not None:
            vector = (params[layer.bn_weight] == 0) & (params[layer.bn_bias] == 0)
        else:
            vector = (params[layer.conv_weight].flatten(1) == 0).all(dim=1)
            if layer.conv_bias is not None:
                vector &= params[layer.conv_bias] == 0
        dead.append(vector.detach().cpu())
    return dead


def _slice_conv(conv: nn.Conv2d, out_keep: torch.Tensor, in_keep: torch.Tensor | None) -> nn.Conv2d:
    out_idx = out_keep.nonzero().flatten().to(conv.weight.device)
    weight = conv.weight.detach().index_select(0, out_idx)
    if in_keep is not None:
        weight = weight.index_select(1, in_keep.nonzero().flatten().to(conv.weight.device))
    small = nn.Conv2d(weight.shape[1], weight.shape[0], conv.kernel_size, conv.stride, conv.padding,
                      conv.dilation, bias=conv.bias is not None, padding_mode=conv.padding_mode,
                      device=conv.weight.device, dtype=conv.weight.dtype)
    with torch.no_grad():
        small.weight.copy_(weight)
        if conv.bias is not None:
            small.bias.copy_(conv.bias.detach().index_select(0, out_idx))
    return small.train(conv.training)


def _slice_bn(bn: nn.BatchNorm2d, keep: torch.Tensor) -> nn.BatchNorm2d:
    ref = bn.weight if bn.weight is not None else bn.running_mean
    idx = keep.nonzero().flatten().to(ref.device)
    small = nn.BatchNorm2d(len(idx), bn.eps, bn.momentum, bn.affine, bn.track_running_stats,
                           device=ref.device, dtype=ref.dtype)
    with torch.no_grad():
        if bn.affine:
            small.weight.copy_(bn.weight.detach().index_select(0, idx))
            small.bias.copy_(bn.bias.detach().index_select(0, idx))
        if bn.track_running_stats:
            small.running_mean.copy_(bn.running_mean.index_select(0, idx))
            small.running_var.copy_(bn.running_var.index_select(0, idx))
            small.num_batches_tracked.copy_(bn.num_batches_tracked)
    return small.train(bn.training)


def _slice_linear_inputs(linear: nn.Linear, keep: torch.Tensor) -> nn.Linear:
    idx = keep.nonzero().flatten().to(linear.weight.device)
    small = nn.Linear(len(idx), linear.out_features, bias=linear.bias is not None,
                      device=linear.weight.device, dtype=linear.weight.dtype)
    with torch.no_grad():
        small.weight.copy_(linear.weight.detach().index_select(1, idx))
        if linear.bias is not None:
            small.bias.copy_(linear.bias.detach())
    return small.train(linear.training)


def remove_filters(model: nn.Module, keep: dict[int, torch.Tensor]) -> nn.Module:
    """A physically smaller copy of a :class:`~hyperprune.models.cnn.SmallVGG`-style network.

    ``keep[i]`` is the bool vector of kept filters of block ``i`` of ``model.features`` (blocks
    not listed keep every filter). Block ``i``'s conv out-channels and batch norm are sliced,
    then block ``i+1``'s conv in-channels, and the classifier's in-features after the last
    block (global average pooling makes them one per channel). When the removed filters are
    dead (masked, see :class:`FilterMaskSet`) the copy computes the same outputs in eval mode.
    ``model`` itself is not changed.
    """
    blocks = getattr(model, "features", None)
    classifier = getattr(model, "classifier", None)
    if blocks is None or not isinstance(classifier, nn.Linear) or not all(
            isinstance(getattr(b, "conv", None), nn.Conv2d) for b in blocks):
        raise UserError("filter removal needs a CNN with .features blocks (.conv, .bn) and a linear "
                        ".classifier, such as the built-in cnn model")
    unknown = sorted(set(keep) - set(range(len(blocks))))
    if unknown:
        raise ValueError(f"no conv block {unknown[0]} (the model has {len(blocks)})")
    if blocks[-1].conv.out_channels != classifier.in_features:
        raise UserError("filter removal needs global average pooling before the classifier")
    small = copy.deepcopy(model)
    in_keep: torch.Tensor | None = None
    for i, block in enumerate(small.features):
        out_keep = keep.get(i)
        out_keep = (torch.ones(block.conv.out_channels, dtype=torch.bool) if out_keep is None
                    else out_keep.detach().to("cpu", torch.bool))
        if out_keep.shape != (block.conv.out_channels,):
            raise ValueError(f"keep[{i}] must have {block.conv.out_channels} entries")
        if not out_keep.any():
            raise UserError(f"conv block {i} would keep no filter; the network would have no output")
        block.conv = _slice_conv(block.conv, out_keep, in_keep)
        if isinstance(getattr(block, "bn", None), nn.BatchNorm2d):
            block.bn = _slice_bn(block.bn, out_keep)
        in_keep = out_keep
    small.classifier = _slice_linear_inputs(small.classifier, in_keep)
    return small


def compact_model(run_or_model: Any, method: Any = None) -> nn.Module:
    """The physically pruned network of a training run (or of a model): CNN filters or RNN units.

    ``run_or_model`` is a ``TrainingRun`` (its ``.model`` and ``.method`` are used) or a model.
    Kept filters (CNN) or hidden units (recurrent language model, see
    :mod:`~hyperprune.pruning.recurrent_compact`) come from ``method``'s
    :class:`FilterMaskSet` / :class:`~hyperprune.pruning.recurrent_units.UnitMaskSet` when it
    has one, otherwise from the weights: every filter or unit whose output is exactly zero is
    removed. Returns a new model; the given one is not changed.

    Example::

        small = compact_model(run)          # after training with structure=filters or units
        torch.save(small.state_dict(), "compact.pt")
    """
    from hyperprune.pruning.recurrent_compact import remove_units
    from hyperprune.pruning.recurrent_units import UnitMaskSet, dead_units

    model = getattr(run_or_model, "model", run_or_model)
    if method is None:
        method = getattr(run_or_model, "method", None)
    if not isinstance(model, nn.Module):
        raise TypeError("compact_model needs a TrainingRun or an nn.Module")
    masks = getattr(method, "masks", None)
    if isinstance(masks, UnitMaskSet):
        return remove_units(model, masks.units())
    if hasattr(model, "rnn"):
        return remove_units(model, [~vector for vector in dead_units(model)])
    if isinstance(masks, FilterMaskSet):
        keep = masks.filters()
    else:
        keep = [~vector for vector in dead_filters(model)]
    return remove_filters(model, {i: vector.cpu() for i, vector in enumerate(keep)})
