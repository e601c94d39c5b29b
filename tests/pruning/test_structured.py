"""Filter masks and physical filter removal: dead filters, equal outputs, fewer parameters."""

from types import SimpleNamespace

import pytest
import torch
from early_helpers import cnn_context, drive

from hyperprune.errors import UserError
from hyperprune.models.cnn import SmallVGG
from hyperprune.models.mlp import MLP
from hyperprune.pruning.core.allocation import allocate
from hyperprune.pruning.core.kept_count import kept_count as kept_total
from hyperprune.pruning.early.random_mask import RandomMask
from hyperprune.pruning.early.unit_space import UnitSpace
from hyperprune.pruning.structured.compact import compact_model
from hyperprune.pruning.structured.filter_removal import remove_filters
from hyperprune.pruning.structured.filters import FilterMaskSet, dead_filters, filter_layers

torch.set_num_threads(1)


def _trained_vgg(seed=0):
    """A SmallVGG with non-trivial batch-norm statistics and affine parameters."""
    torch.manual_seed(seed)
    model = SmallVGG((1, 8, 8), 10, channels=(6, 8, 10, 12))
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(32, 1, 8, 8))
        for block in model.features:
            block.bn.weight.uniform_(0.5, 1.5)
            block.bn.bias.uniform_(-0.5, 0.5)
    return model.eval()


def _random_keep(model, seed=1):
    gen = torch.Generator().manual_seed(seed)
    keep = []
    for block in model.features:
        vector = torch.rand(block.conv.out_channels, generator=gen) < 0.5
        vector[0] = True
        keep.append(vector)
    return keep


def test_filter_layers_pair_conv_and_batch_norm():
    layers = filter_layers(SmallVGG((1, 8, 8), 10, channels=(4, 6)))
    assert [(f.conv_weight, f.conv_bias, f.bn_weight, f.bn_bias, f.out_channels) for f in layers] == [
        ("features.0.conv.weight", "features.0.conv.bias", "features.0.bn.weight", "features.0.bn.bias", 4),
        ("features.1.conv.weight", "features.1.conv.bias", "features.1.bn.weight", "features.1.bn.bias", 6),
    ]
    with pytest.raises(UserError, match="structure=filters needs a model with conv layers"):
        filter_layers(MLP((1, 8, 8), 10))


def test_filter_mask_set_zeroes_whole_filters_and_counts_conv_weights_only():
    model = _trained_vgg()
    masks = FilterMaskSet(model)
    keep = _random_keep(model)
    masks.set_filters(keep)
    masks.apply()
    for block, vector in zip(model.features, keep, strict=True):
        assert torch.count_nonzero(block.conv.weight[~vector]) == 0
        assert torch.count_nonzero(block.conv.weight[vector]) == block.conv.weight[vector].numel()
        for tensor in (block.conv.bias, block.bn.weight, block.bn.bias):
            assert torch.count_nonzero(tensor[~vector]) == 0
    assert masks.names == [f"features.{i}.conv.weight" for i in range(4)]
    kept = sum(int(v.sum()) * b.conv.weight[0].numel() for v, b in zip(keep, model.features, strict=True))
    assert masks.kept() == kept
    assert [torch.equal(a, b) for a, b in zip(masks.filters(), keep, strict=True)] == [True] * 4
    assert [torch.equal(a, ~b) for a, b in zip(dead_filters(model), keep, strict=True)] == [True] * 4
    fresh = FilterMaskSet(model)
    fresh.load_state_dict(masks.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(fresh.filters(), keep, strict=True))


def test_removed_filters_give_the_masked_outputs_with_fewer_parameters():
    model = _trained_vgg()
    masks = FilterMaskSet(model)
    keep = _random_keep(model)
    masks.set_filters(keep)
    masks.apply()
    small = remove_filters(model, dict(enumerate(keep)))
    x = torch.rand(16, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(small(x), model(x), atol=1e-6)
    counts = [int(v.sum()) for v in keep]
    ins = [1, *counts[:-1]]
    expected = sum(c * i * 9 + c + 2 * c for c, i in zip(counts, ins, strict=True)) + counts[-1] * 10 + 10
    assert sum(p.numel() for p in small.parameters()) == expected
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in model.parameters())
    assert [b.conv.out_channels for b in small.features] == counts
    assert [b.bn.running_mean.numel() for b in small.features] == counts
    assert model.features[0].conv.out_channels == 6  # the original is unchanged


def test_remove_filters_refuses_an_empty_layer():
    model = _trained_vgg()
    with pytest.raises(UserError, match="keep no filter"):
        remove_filters(model, {1: torch.zeros(8, dtype=torch.bool)})
    with pytest.raises(UserError, match="filter removal needs a CNN"):
        remove_filters(MLP((1, 8, 8), 10), {})


def test_compact_model_after_filter_training():
    ctx = cnn_context(total_epochs=2)
    method = RandomMask(0.5, {"structure": "filters"})
    method.setup(ctx)
    drive(method, ctx, range(1, 3))
    ctx.model.eval()

    run = SimpleNamespace(model=ctx.model, method=method)  # what compact_model reads from a TrainingRun
    from_method = compact_model(run)
    from_weights = compact_model(ctx.model)
    x = torch.rand(8, 1, 8, 8)
    with torch.no_grad():
        reference = ctx.model(x)
        assert torch.allclose(from_method(x), reference, atol=1e-6)
        assert torch.allclose(from_weights(x), reference, atol=1e-6)
    assert [b.conv.out_channels for b in from_method.features] == [2, 3, 4, 5]


def test_units_keep_exact_counts():
    assert kept_total(10, 0.75) == 2 and kept_total(10, 0.0) == 10 and kept_total(10, 0.99) == 1
    assert allocate([16, 32, 64, 128], 79, minimum=1) == [5, 11, 21, 42]
    assert allocate([16, 32, 64, 128], 4, minimum=1) == [1, 1, 1, 1]
    space = UnitSpace.build({"a": (3, 4), "b": (8,)}, 0.5, "layerwise")
    assert space.keep == 10 and space.layer_keep == [6, 4]
    keep = space.top({"a": torch.arange(12.0).reshape(3, 4), "b": -torch.arange(8.0)})
    assert keep["a"].flatten().tolist() == [False] * 6 + [True] * 6
    assert keep["b"].tolist() == [True] * 4 + [False] * 4
