"""Physical removal of pruned filters: a filter-masked CNN as a smaller network.

:func:`remove_filters` slices every conv block of a
:class:`~hyperprune.models.cnn.SmallVGG`-style network down to its kept filters (conv
out-channels, batch norm, the next conv's in-channels, the classifier's in-features after global
average pooling). When the removed filters are dead (see
:class:`~hyperprune.pruning.structured.filters.FilterMaskSet`) the copy computes the same
outputs in eval mode.

Example::

    small = remove_filters(model, dict(enumerate(masks.filters())))
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from hyperprune.errors import UserError


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
