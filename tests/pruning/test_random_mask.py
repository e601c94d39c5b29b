"""Random masks hit the exact kept count (global and per layer) and depend only on the seed."""

import pytest
import torch
from early_helpers import cnn_context

from hyperprune.errors import UserError
from hyperprune.pruning.core.allocation import allocate
from hyperprune.pruning.early.random_mask import RandomMask

torch.set_num_threads(1)


@pytest.mark.parametrize("scope", ["global", "uniform"])
def test_exact_kept_count(hand_context, scope):
    ctx = hand_context(seed=3)
    method = RandomMask(0.7, {"allocation": scope})
    method.setup(ctx)
    total = method.masks.total()
    assert method.masks.kept() == round(0.3 * total)
    counts = [int(mask.sum()) for _, _, mask in method.masks]
    if scope == "uniform":
        assert counts == allocate([m.numel() for _, _, m in method.masks], round(0.3 * total))
    for _, param, mask in method.masks:
        assert torch.count_nonzero(param.detach()[~mask]) == 0


def test_same_seed_same_mask_other_seed_other_mask(hand_context):
    masks = []
    for seed in (0, 0, 1):
        ctx = hand_context(seed=0)
        ctx.generator.manual_seed(seed)
        method = RandomMask(0.5)
        method.setup(ctx)
        masks.append(torch.cat([m.flatten() for _, _, m in method.masks]))
    assert torch.equal(masks[0], masks[1]) and not torch.equal(masks[0], masks[2])


def test_random_filters_and_the_model_check(hand_context):
    ctx = cnn_context(channels=(4, 6, 8, 10))
    method = RandomMask(0.75, {"structure": "filters"})
    method.setup(ctx)
    assert [int(v.sum()) for v in method.masks.filters()] == [1, 2, 2, 2]
    with pytest.raises(UserError, match="structure=filters needs the CNN"):
        RandomMask(0.5, {"structure": "filters"}).setup(hand_context())
