"""Per-layer allocation: one bounded proportional allocator behind every allocation choice."""

import pytest
import torch

from hyperprune.errors import UserError
from hyperprune.pruning.core.allocation import apportion, bounded_allocation
from hyperprune.pruning.core.layer_allocation import layer_bounds, layer_counts
from hyperprune.pruning.core.top_k import keep_top
from hyperprune.pruning.early.unit_space import UnitSpace


def test_bounded_allocation_respects_floors_caps_and_total():
    counts = bounded_allocation(10, [1.0, 1.0, 8.0], floors=[3, 0, 0], caps=[10, 10, 5])
    assert sum(counts) == 10 and counts[0] >= 3 and counts[2] <= 5
    assert counts == [3, 2, 5]
    with pytest.raises(UserError, match="per-layer bounds allow 3 to 6"):
        bounded_allocation(10, [1.0, 1.0], floors=[3, 0], caps=[3, 3])


def test_uniform_er_and_erk_counts():
    sizes, shapes = [100, 100], [(400, 300), (400, 200)]
    floors, caps = layer_bounds(sizes)
    assert layer_counts(sizes, shapes, 100, "uniform", floors, caps) == [50, 50]
    er = layer_counts(sizes, shapes, 100, "ER", floors, caps)
    assert sum(er) == 100 and er[0] < er[1]  # more inputs: sparser
    assert layer_counts(sizes, shapes, 100, "ERK", floors, caps) == er  # 2-D: ERK equals ER
    assert apportion(7, [10, 5, 5]) == [3, 2, 2]


def test_keep_top_er_scope_keeps_the_count_and_favours_small_tensors():
    alive = {"big": torch.ones(40, 40, dtype=torch.bool), "small": torch.ones(4, 40, dtype=torch.bool)}
    scores = {name: torch.rand(mask.shape, generator=torch.Generator().manual_seed(0)) for name, mask in alive.items()}
    kept = keep_top(scores, alive, 400, "ER")
    assert sum(int(k.sum()) for k in kept.values()) == 400
    assert kept["small"].float().mean() > kept["big"].float().mean()


def test_unit_space_layerwise_is_uniform():
    space = UnitSpace.build({"a": (6,), "b": (4,)}, 0.5, "layerwise")
    assert space.scope == "uniform" and space.layer_keep == [3, 2]


def test_relative_bounds_are_feasible_at_any_sparsity():
    from hyperprune.pruning.core.layer_allocation import density_bounds

    hp = {"min_layer_density_ratio": 1.0, "max_layer_density_ratio": 1.0}
    for sparsity in (0.1, 0.5, 0.67, 0.95, 0.99):
        low, high = density_bounds(hp, sparsity)
        space = UnitSpace.build({"a": (37,), "b": (101,)}, sparsity, "global", 1, None, low, high)
        kept = space.top({"a": torch.arange(37.0), "b": -torch.arange(101.0)})
        counts = [int(kept[n].sum()) for n in space.names]
        assert sum(counts) == space.keep
        assert all(f <= c <= cap for f, c, cap in zip(space.floors, counts, space.caps, strict=True))
