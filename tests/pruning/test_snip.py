"""SNIP keeps exactly the top connections of a hand-computed sensitivity |dL/dW * W|."""

import torch
import torch.nn.functional as F
from early_helpers import cnn_context, linear_context

from hyperprune.pruning.early.snip import Snip

torch.set_num_threads(1)


def _hand_sensitivity(weight: torch.Tensor, batches) -> torch.Tensor:
    """Cross-entropy gradient of a bias-free linear layer, written out: (softmax - onehot)^T x / N."""
    total = torch.zeros_like(weight)
    for x, y in batches:
        probs = torch.softmax(x @ weight.T, dim=1)
        grad = (probs - F.one_hot(y, weight.shape[0]).float()).T @ x / len(x)
        total += (grad * weight).abs()
    return total / len(batches)


def test_snip_keeps_the_top_of_a_hand_computation():
    ctx, _ = linear_context(features=8, classes=3)
    weight = ctx.model.fc.weight.detach().clone()
    method = Snip(0.75, {"n_batches": 3})
    method.setup(ctx)
    expected = _hand_sensitivity(weight, ctx.extras["train"][:3]).flatten()
    kept = method.masks.masks["fc.weight"].flatten()
    assert int(kept.sum()) == 6  # 24 weights, a quarter kept
    top = set(torch.argsort(expected, descending=True)[:6].tolist())
    assert set(kept.nonzero().flatten().tolist()) == top
    assert torch.equal(ctx.model.fc.weight.detach(), weight * kept.view_as(weight))
    assert ctx.model.fc.weight.grad is None  # the scoring leaves no gradients behind
    assert ctx.extras["splits"] == ["train"]


def test_snip_scores_are_normalised_and_averaged_over_batches():
    ctx, _ = linear_context(features=8, classes=3)
    method = Snip(0.0, {"n_batches": 2})
    method.setup(ctx)  # nothing pruned: the weights stay at init
    scores = method.scores()["fc.weight"]
    hand = _hand_sensitivity(ctx.model.fc.weight.detach(), ctx.extras["train"][:2])
    assert torch.allclose(scores, hand / hand.sum(), atol=1e-6)
    assert abs(float(scores.sum()) - 1.0) < 1e-5


def test_snip_filters_keep_a_fixed_fraction_per_conv_layer():
    ctx = cnn_context(channels=(4, 6, 8, 10))
    method = Snip(0.5, {"structure": "filters", "n_batches": 2})
    method.setup(ctx)
    assert [int(v.sum()) for v in method.masks.filters()] == [2, 3, 4, 5]
    assert abs(method.masks.sparsity() - 0.5) < 0.005
