"""Lottery ticket (iterative magnitude pruning with rewinding) on a hand-built LSTM context."""

import pytest
import torch

from hyperprune.errors import UserError
from hyperprune.models.cnn import SmallVGG
from hyperprune.pruning.core.layer_sets import layer_names
from hyperprune.pruning.core.rewind import snapshot
from hyperprune.pruning.lottery import LotteryTicket


def make(hand_context, sparsity=0.5, epochs=3, **hp):
    ctx = hand_context(total_epochs=epochs)
    method = LotteryTicket(sparsity, hp)
    method.setup(ctx)
    return method, ctx


def test_round_plan_ends_exactly_on_the_target(hand_context):
    method, _ = make(hand_context, sparsity=0.5, prune_rate=0.2)
    total = method.masks.total()
    assert method.rounds == 4
    expected = [round(total * 0.8), round(total * 0.64), round(total * 0.512), round(total * 0.5)]
    assert method.keep_plan == expected


def test_rounds_keep_their_spacing_whatever_the_run_length(hand_context, run_hooks, masked_zero):
    method, ctx = make(hand_context, sparsity=0.6, epochs=2, prune_rate=0.3)
    init = snapshot(ctx.model)
    assert method.rounds == 3 and method.round_epochs == [1, 2, 3]
    assert method.clock().restarts
    run_hooks(method, ctx, [1, 2, 3], check=masked_zero)
    assert method.rounds_done == 3 and [e["epoch"] for e in method.events] == [1, 2, 3]
    assert method.pruned_fraction() == pytest.approx(0.6, abs=1.0 / method.masks.total())
    # right after the rounds the survivors hold their initial values, the rest are zero
    for name, param, mask in method.masks:
        assert torch.equal(param.detach(), init[name] * mask)
    clock = method.clock()
    assert (clock.start, clock.settled_at, clock.age(3), clock.rankable(3), clock.rankable(4)) == (3, 3, 0, False, True)
    run_hooks(method, ctx, [4], check=masked_zero)
    counted = sum(int(torch.count_nonzero(p.detach())) for _, p, _ in method.masks)
    assert counted == method.masks.kept()


def test_prune_rate_sets_the_number_of_rounds_and_round_epochs_their_spacing(hand_context):
    assert make(hand_context, sparsity=0.5, epochs=6, prune_rate=0.5)[0].round_epochs == [1]
    assert make(hand_context, sparsity=0.5, epochs=6, prune_rate=0.2)[0].round_epochs == [1, 2, 3, 4]
    assert make(hand_context, sparsity=0.5, epochs=1, prune_rate=0.2, round_epochs=2)[0].round_epochs == [2, 4, 6, 8]


def test_layerwise_scope_gives_every_tensor_the_same_density(hand_context, run_hooks):
    method, ctx = make(hand_context, sparsity=0.7, epochs=1, scope="layerwise", prune_rate=0.5)
    run_hooks(method, ctx, [1, 2])
    densities = [float(m.float().mean()) for _, _, m in method.masks]
    sizes = [m.numel() for _, _, m in method.masks]
    for density, size in zip(densities, sizes, strict=True):
        assert density == pytest.approx(0.3, abs=1.5 / size)


def test_random_criterion_is_reproducible_and_differs_from_magnitude(hand_context, run_hooks):
    def final_masks(**hp):
        method, ctx = make(hand_context, sparsity=0.5, epochs=1, **hp)
        run_hooks(method, ctx, [1])
        return torch.cat([m.reshape(-1) for _, _, m in method.masks])

    first, again = final_masks(criterion="random"), final_masks(criterion="random")
    assert torch.equal(first, again)
    assert not torch.equal(first, final_masks(criterion="magnitude"))


def test_late_rewind_keeps_the_weights_of_the_chosen_epoch(hand_context, run_hooks):
    method, ctx = make(hand_context, sparsity=0.2, epochs=4, rewind="epoch", rewind_epoch=1)
    assert method.round_epochs == [2] and method.rewind_at == 1
    assert make(hand_context, sparsity=0.2, epochs=4)[0].round_epochs == [1]  # init: rounds start at once
    run_hooks(method, ctx, [1])
    after_one = snapshot(ctx.model)
    run_hooks(method, ctx, [2])
    for name, param, mask in method.masks:
        assert torch.equal(param.detach(), after_one[name] * mask)


def test_a_late_rewind_epoch_is_kept_on_a_short_run(hand_context):
    method, _ = make(hand_context, sparsity=0.5, epochs=2, rewind="epoch", rewind_epoch=5, prune_rate=0.5)
    assert method.rewind_at == 5 and method.start is None and method.round_epochs == [6]


def test_reinit_draws_fresh_weights_without_touching_the_global_rng(hand_context, run_hooks):
    method, ctx = make(hand_context, sparsity=0.3, epochs=1, rewind="reinit")
    init = snapshot(ctx.model)
    run_hooks(method, ctx, [0])  # no round at epoch 0: train only
    state = torch.random.get_rng_state()
    method._rewind()
    assert torch.equal(state, torch.random.get_rng_state())
    assert not torch.equal(ctx.model.rnn.weight_hh_l0, init["rnn.weight_hh_l0"])


def test_state_round_trip_continues_identically(hand_context, run_hooks):
    def run(split):
        method, ctx = make(hand_context, sparsity=0.6, epochs=4, rewind="epoch", rewind_epoch=1)
        run_hooks(method, ctx, [1, 2])
        if split:
            saved = (method.state_dict(), {k: v.clone() for k, v in ctx.model.state_dict().items()})
            method, ctx = make(hand_context, sparsity=0.6, epochs=4, rewind="epoch", rewind_epoch=1)
            ctx.model.load_state_dict(saved[1])
            method.load_state_dict(saved[0])
        run_hooks(method, ctx, [3, 4])
        return snapshot(ctx.model), method.events

    (weights_a, events_a), (weights_b, events_b) = run(False), run(True)
    assert events_a == events_b
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)


def test_layer_sets_are_explicit_per_task_kind(hand_context):
    ctx = hand_context()
    assert layer_names(ctx.model, "lm", "recurrent_only") == [
        "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1"]
    assert "encoder.weight" not in layer_names(ctx.model, "lm", "no_embedding")
    assert layer_names(ctx.model, "lm", "no_classifier") == [
        n for n in layer_names(ctx.model, "lm", "all") if n != "decoder.weight"]
    assert layer_names(ctx.model, "lm", "with_batchnorm") == layer_names(ctx.model, "lm", "all")
    with pytest.raises(UserError, match="unknown layer set"):
        layer_names(ctx.model, "lm", "gates")
    cnn = SmallVGG((1, 8, 8), 10, (4, 8))
    assert layer_names(cnn, "classifier", "no_classifier") == ["features.0.conv.weight", "features.1.conv.weight"]
    assert "features.0.bn.weight" in layer_names(cnn, "classifier", "with_batchnorm")
    assert "classifier.weight" in layer_names(cnn, "classifier", "all")
    assert layer_names(cnn, "classifier", "recurrent_only") == layer_names(cnn, "classifier", "no_classifier")


def test_unknown_option_is_a_user_error():
    with pytest.raises(UserError):
        LotteryTicket(0.5, {"scope": "per_gate"})
