"""MagSign drops weights whose sign flipped since init; magnitude keeps them; rewind to init."""

import torch
from early_helpers import linear_context

from hyperprune.pruning.early.magsign import MagSign

torch.set_num_threads(1)


def _set_epoch_k_weights(ctx):
    """Pretend training moved the weights: the four largest now have the opposite sign."""
    init = ctx.model.fc.weight.detach().clone()
    now = init.clone().flatten()
    order = torch.argsort(now.abs(), descending=True)
    flipped = order[:4]
    now[flipped] = -3.0 * now[flipped]  # flipped and even larger
    with torch.no_grad():
        ctx.model.fc.weight.copy_(now.view_as(init))
    return init, now, set(flipped.tolist())


def test_magsign_drops_sign_flipped_weights_and_rewinds():
    ctx, _ = linear_context(features=8, classes=2, total_epochs=3)
    method = MagSign(0.5, {"score_epoch": 1})
    method.setup(ctx)
    assert not method.found and method.masks.sparsity() == 0.0
    init, now, flipped = _set_epoch_k_weights(ctx)
    method.at_epoch_end(1, {})
    kept = method.masks.masks["fc.weight"].flatten()
    assert int(kept.sum()) == 8
    assert not (set(kept.nonzero().flatten().tolist()) & flipped)
    same_sign = [i for i in range(16) if i not in flipped]
    expected = sorted(same_sign, key=lambda i: -abs(float(now[i])))[:8]
    assert set(kept.nonzero().flatten().tolist()) == set(expected)
    assert torch.equal(ctx.model.fc.weight.detach(), init * kept.view_as(init))  # rewound, masked
    assert ctx.extras["resets"] == 1


def test_magnitude_variant_keeps_the_largest_and_no_rewind_keeps_epoch_k_weights():
    ctx, _ = linear_context(features=8, classes=2, total_epochs=3)
    method = MagSign(0.75, {"score_epoch": 1, "score": "magnitude", "rewind": False})
    method.setup(ctx)
    _, now, flipped = _set_epoch_k_weights(ctx)
    method.at_epoch_end(1, {})
    kept = method.masks.masks["fc.weight"].flatten()
    assert set(kept.nonzero().flatten().tolist()) == flipped
    assert torch.equal(ctx.model.fc.weight.detach().flatten(), now * kept)
    assert ctx.extras["resets"] == 0


def test_score_epoch_is_kept_with_rewind_and_clamped_to_the_run_without():
    ctx, _ = linear_context(total_epochs=3)
    method = MagSign(0.5, {"score_epoch": 5})
    method.setup(ctx)
    assert method.mask_epoch == 5 and not method.found and method.clock().restarts
    ctx, _ = linear_context(total_epochs=3)
    method = MagSign(0.5, {"score_epoch": 5, "rewind": False})
    method.setup(ctx)
    assert method.mask_epoch == 2 and not method.found
    method.at_epoch_end(1, {})
    assert not method.found
    method.at_epoch_end(2, {})
    assert method.found and method.masks.sparsity() == 0.5
    single, _ = linear_context(total_epochs=1)
    method = MagSign(0.5, {"score_epoch": 3, "rewind": False})
    method.setup(single)
    assert method.found and method.mask_epoch == 0
