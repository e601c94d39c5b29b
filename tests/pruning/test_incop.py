"""InCoP: PQ index arithmetic, the adaptive ratio, flow statistics and early iteration stops."""

import math

import pytest
import torch
from torch import nn

from hyperprune.errors import UserError
from hyperprune.models.mlp import MLP
from hyperprune.pruning.core.masks import MaskSet
from hyperprune.pruning.incop.flow_stats import correlation_flow, flow_distance, gradient_flow
from hyperprune.pruning.incop.method import InCoP
from hyperprune.pruning.incop.pq_index import pq_index, pq_prune_ratio


def test_pq_index_by_hand_p_half_q_one():
    # w = (1, 2, 2, 4), d = 4, p = 0.5, q = 1:
    # ||w||_0.5 = (1 + sqrt2 + sqrt2 + 2)^2 = (3 + 2 sqrt2)^2 = 17 + 12 sqrt2 = 33.97056...
    # ||w||_1 = 9;  d^(1/q - 1/p) = 4^(1 - 2) = 1/4
    # I = 1 - (1/4) * 33.97056 / 9 = 1 - 0.943627 = 0.056373
    w = torch.tensor([1.0, 2.0, -2.0, 4.0])
    expected = 1 - (17 + 12 * math.sqrt(2)) / 36
    assert pq_index(w, 0.5, 1.0) == pytest.approx(expected, rel=1e-12)
    # m/d = (1 + 0)^(-2) * (1 - I)^(0.5 / 0.5) = 1 - I, so the ratio is I itself
    assert pq_prune_ratio(w, 0.5, 1.0) == pytest.approx(expected, rel=1e-12)


def test_pq_index_by_hand_p_one_q_two_with_eta_and_cap():
    # w = (3, 4): ||w||_1 = 7, ||w||_2 = 5, d^(1/2 - 1) = 2^(-1/2)
    # I = 1 - 7 / (5 sqrt2);  1 - I = 7 / (5 sqrt2);  (1 - I)^(qp/(q-p)) = (1 - I)^2 = 49/50
    w = torch.tensor([3.0, 4.0])
    assert pq_index(w, 1.0, 2.0) == pytest.approx(1 - 7 / (5 * math.sqrt(2)), rel=1e-12)
    assert pq_prune_ratio(w, 1.0, 2.0) == pytest.approx(1 - 49 / 50, rel=1e-9)
    # eta = 1: (1 + 1)^(-q/(q-p)) = 2^(-2) = 1/4, m/d = 49/200, ratio = 151/200 = 0.755
    assert pq_prune_ratio(w, 1.0, 2.0, eta=1.0, cap=0.99) == pytest.approx(151 / 200, rel=1e-9)
    assert pq_prune_ratio(w, 1.0, 2.0, eta=1.0, cap=0.5) == 0.5


def test_flat_vector_needs_no_pruning_and_orders_are_checked():
    assert pq_index(torch.full((10,), -0.3), 0.5, 1.0) == pytest.approx(0.0, abs=1e-12)
    assert pq_prune_ratio(torch.full((10,), 0.3), 0.5, 1.0) == 0.0
    with pytest.raises(UserError, match="p < q"):
        InCoP(0.5, {"p": 1.0, "q": 1.0})


def test_gaussian_weights_prune_about_a_third_with_orders_one_two():
    w = torch.randn(200_000, generator=torch.Generator().manual_seed(0))
    # 1 - I = sqrt(2/pi) for a Gaussian, ratio = 1 - 2/pi
    assert pq_prune_ratio(w, 1.0, 2.0) == pytest.approx(1 - 2 / math.pi, abs=5e-3)


def test_correlation_flow_of_an_mlp_and_of_the_lm(hand_context):
    torch.manual_seed(0)
    mlp = MLP((6,), 3, (8, 5))
    batches = [(torch.randn(32, 6), torch.randint(0, 3, (32,))) for _ in range(2)]

    def loss(model, batch):
        return nn.functional.cross_entropy(model(batch[0]), batch[1])

    stats = correlation_flow(mlp, batches, loss)
    assert stats.shape == (2,) and ((stats >= 0) & (stats <= 1)).all()
    ctx = hand_context()
    lm_stats = correlation_flow(ctx.model, ctx.batches("heldout", 2), ctx.loss)
    assert lm_stats.shape == (2,)  # rnn input -> layer 1 output -> decoder input
    assert flow_distance(lm_stats, correlation_flow(ctx.model, ctx.batches("heldout", 2), ctx.loss)) == 0.0


def test_gradient_flow_uses_fresh_gradients_and_leaves_grad_alone(hand_context):
    ctx = hand_context()
    masks = MaskSet(ctx.model, ["rnn.weight_hh_l0", "decoder.weight"])
    stale = torch.full_like(ctx.model.decoder.weight, 7.0)
    ctx.model.decoder.weight.grad = stale.clone()
    stats = gradient_flow(ctx.model, masks, ctx.batches("heldout", 2), ctx.loss)
    assert torch.equal(ctx.model.decoder.weight.grad, stale)
    assert stats.shape == (2,) and (stats > 0).all() and (stats < 7).all()
    masks.masks["decoder.weight"][:] = False
    masks.masks["decoder.weight"][0, 0] = True
    single = gradient_flow(ctx.model, masks, ctx.batches("heldout", 2), ctx.loss)
    batches = ctx.batches("heldout", 2)
    grads = [torch.autograd.grad(ctx.loss(ctx.model, b), ctx.model.decoder.weight)[0][0, 0] for b in batches]
    assert float(single[1]) == pytest.approx(abs(float(sum(grads))) / 2, rel=1e-5)


def run_incop(hand_context, run_hooks, epochs, masked_zero=None, **hp):
    ctx = hand_context(total_epochs=epochs)
    method = InCoP(hp.pop("sparsity", 0.95), hp)
    method.setup(ctx)
    run_hooks(method, ctx, range(1, epochs + 1), check=masked_zero)
    return method


@pytest.mark.parametrize("criterion", ["if", "gf"])
def test_flow_criteria_end_iterations_early_when_statistics_are_close(hand_context, run_hooks, criterion):
    common = {"criterion": criterion, "warmup_epochs": 1, "iter_epochs": 3}
    # epsilon far above any distance: the statistics count as close at every epoch end
    close = run_incop(hand_context, run_hooks, 8, epsilon=10.0, **common)
    assert [e["epoch"] for e in close.events][:4] == [1, 2, 3, 4]
    assert all(e["distance"] < 10.0 for e in close.events[1:])
    # epsilon below every distance: iterations run their full iter_epochs, then the deadline
    far = run_incop(hand_context, run_hooks, 8, epsilon=1e-4, **common)
    assert min(d["distance"] for d in far.distances) > 1e-4
    assert [e["epoch"] for e in far.events] == [1, 4, 5]
    assert far.events[-1]["final"]


@pytest.mark.parametrize("criterion", ["lth", "sap", "if", "gf"])
def test_every_criterion_lands_exactly_on_the_target(hand_context, run_hooks, masked_zero, criterion):
    method = run_incop(hand_context, run_hooks, 5, masked_zero=masked_zero, criterion=criterion, sparsity=0.8)
    target = round(0.2 * method.masks.total())
    assert method.masks.kept() == target
    sparsities = [e["sparsity"] for e in method.events]
    assert sparsities == sorted(sparsities) and max(sparsities) <= 0.8 + 1e-9
    counted = sum(int(torch.count_nonzero(p.detach())) for _, p, _ in method.masks)
    assert counted == target


def test_overshooting_ratio_is_clipped_to_the_target(hand_context, run_hooks):
    method = run_incop(hand_context, run_hooks, 6, sparsity=0.3, eta=2.0, cap=0.99, p=0.5, q=2.0)
    assert len(method.events) == 1 and method.events[0]["ratio"] > 0.3
    assert method.masks.kept() == round(0.7 * method.masks.total())


def test_one_epoch_run_prunes_at_its_only_epoch_end(hand_context, run_hooks):
    method = run_incop(hand_context, run_hooks, 1, sparsity=0.6, warmup_epochs=5)
    assert [e["epoch"] for e in method.events] == [1] and method.events[0]["final"]


def test_rewinds_to_the_post_warm_up_weights(hand_context, run_hooks):
    method = run_incop(hand_context, run_hooks, 2, sparsity=0.5, warmup_epochs=1, iter_epochs=1)
    assert method.start is not None
    state = method.state_dict()
    restored = InCoP(0.5, {"warmup_epochs": 1, "iter_epochs": 1})
    restored.setup(hand_context(total_epochs=2))
    restored.load_state_dict(state)
    assert restored.events == method.events and restored.done
    assert all(torch.equal(restored.start[k], method.start[k]) for k in method.start)
