"""Filter-level structure of a CNN: whole-filter masks that leave pruned filters dead.

A *filter layer* is a ``Conv2d`` plus the ``BatchNorm2d`` that normalises its output. Pruning
filter ``f`` zeroes its conv weights (the counted, prunable part), its conv bias, and its
batch-norm scale and shift: the channel then outputs exactly zero in train and eval mode, so
the in-channels of the next conv (or the classifier's in-features after global average
pooling) only ever see zeros. :func:`~hyperprune.pruning.structured.filter_removal.remove_filters`
slices all of these away.

Example::

    masks = FilterMaskSet(model)                       # over every conv weight of the model
    masks.set_filters([keep0, keep1, keep2, keep3])    # one bool vector per conv layer
    masks.apply()
    dead = dead_filters(model)                         # per layer, filters with zero output
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.core.masks import MaskSet


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
