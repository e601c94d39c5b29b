"""DynamicSparseTraining end to end on a hand-built context (small LSTM LM, random tokens)."""

import math

import pytest
import torch

from hyperprune.pruning.dst.units import build_units
from hyperprune.pruning.registry import build_method

torch.set_num_threads(1)


def _setup(ctx, sparsity=0.6, **hparams):
    method = build_method("dst", sparsity, hparams)
    method.setup(ctx)
    return method


def _per_unit_kept(method):
    return [int(u.view(method.masks.masks[u.name]).sum()) for u in method.units]


def test_prunes_embedding_recurrent_and_decoder_to_exact_target(hand_context):
    method = _setup(hand_context(), 0.6)
    assert method.masks.names == ["encoder.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0",
                                  "rnn.weight_ih_l1", "rnn.weight_hh_l1", "decoder.weight"]
    assert method.masks.kept() == round(0.4 * method.masks.total())


@pytest.mark.parametrize("redistribution", ["none", "magnitude", "nonzeros", "momentum"])
@pytest.mark.parametrize("death", ["magnitude", "SET", "threshold", "global_magnitude"])
def test_every_update_keeps_global_count_exact(hand_context, run_hooks, masked_zero, death, redistribution):
    ctx = hand_context(total_epochs=3, steps_per_epoch=3)
    method = _setup(ctx, 0.7, death=death, redistribution=redistribution, update_frequency=2,
                    death_rate=0.5, threshold=0.05)
    target = method.masks.kept()
    seen = []

    def check(m):
        masked_zero(m)
        assert m.masks.kept() == target
        seen.append(m.updates)

    run_hooks(method, ctx, range(1, 4), check)
    assert method.updates == 4  # steps 2, 4, 6, 8 of 9
    if death != "threshold":
        assert method.last_update["removed"] > 0
    assert method.last_update["regrown"] == method.last_update["removed"]


def test_gatewise_masks_keep_per_gate_density(hand_context, run_hooks):
    ctx = hand_context(total_epochs=3, steps_per_epoch=3)
    method = _setup(ctx, 0.75, gatewise=True, sparse_init="uniform", update_frequency=1)
    hh = [u for u in method.units if u.name == "rnn.weight_hh_l0"]
    assert len(hh) == 4 and all(u.shape == (12, 12) for u in hh)
    before = _per_unit_kept(method)
    assert [before[method.units.index(u)] for u in hh] == [36] * 4
    run_hooks(method, ctx, range(1, 4))
    assert method.updates == 8
    assert _per_unit_kept(method) == before
    # without gate-wise units one matrix is one unit
    whole = _setup(hand_context(), 0.75, sparse_init="uniform")
    assert len(whole.units) == 6
    assert len(build_units(ctx.model, ["rnn.weight_hh_l0"], gatewise=True)) == 4


def test_gatewise_redistribution_moves_budget_between_gates_exactly(hand_context, run_hooks):
    ctx = hand_context(total_epochs=2, steps_per_epoch=4)
    method = _setup(ctx, 0.75, gatewise=True, death="global_magnitude", redistribution="magnitude")
    total = method.masks.kept()
    run_hooks(method, ctx, range(1, 3))
    kept = _per_unit_kept(method)
    assert sum(kept) == total
    assert all(k <= u.numel for k, u in zip(kept, method.units, strict=True))


def test_momentum_growth_with_plain_sgd_grows_highest_momentum_slots(hand_context, run_hooks):
    ctx = hand_context(total_epochs=4, steps_per_epoch=2, momentum=0.0)
    method = _setup(ctx, 0.8, growth="momentum", death_rate=0.3)
    run_hooks(method, ctx, [1])  # one epoch of training with its topology update: no crash
    assert all(ctx.optimizer.state[p].get("momentum_buffer") is None for _, p, _ in method.masks)
    assert any(float(t.abs().sum()) > 0 for t in method.own_momentum.values())
    # hand-set momentum: zero everywhere except on as many empty slots per unit as will regrow
    expected = {}
    gen = torch.Generator().manual_seed(5)
    rate = method.schedule(method.steps)
    for unit in method.units:
        mask = unit.view(method.masks.masks[unit.name])
        mom = unit.view(method.own_momentum[unit.name])
        mom.zero_()
        k = math.ceil(rate * int(mask.sum()))
        empty = torch.nonzero(~mask).flatten()
        chosen = empty[torch.randperm(empty.numel(), generator=gen)[:k]]
        mom[chosen] = 1.0 + torch.rand(k, generator=gen)
        expected[unit.label] = chosen
    method.update_topology()
    for unit in method.units:
        assert unit.view(method.masks.masks[unit.name])[expected[unit.label]].all(), unit.label
        # new weights start at zero
        assert torch.count_nonzero(unit.view(method.masks.params[unit.name].data)[expected[unit.label]]) == 0


def test_optimizer_momentum_buffer_is_preferred(hand_context, run_hooks):
    ctx = hand_context(total_epochs=2, steps_per_epoch=2, momentum=0.9)
    method = _setup(ctx, 0.5, growth="momentum", redistribution="momentum")
    run_hooks(method, ctx, [1])
    name = "rnn.weight_hh_l0"
    assert method._momentum(name) is ctx.optimizer.state[method.masks.params[name]]["momentum_buffer"]


def test_gradient_growth_takes_largest_gradients(hand_context):
    ctx = hand_context()
    method = _setup(ctx, 0.8, growth="gradient", death_rate=0.2)
    for _, param, mask in method.masks:
        grad = torch.zeros_like(param)
        grad[~mask] = torch.linspace(0.0, 1.0, int((~mask).sum()))
        param.grad = grad
    method.before_step()
    empty_before = {n: (~m).clone() for n, m in method.masks.masks.items()}
    method.update_topology()
    for unit in method.units:
        new = unit.view(method.masks.masks[unit.name]) & unit.view(empty_before[unit.name])
        count = int(new.sum())
        assert count > 0
        # the grown slots are the last `count` empty slots in order (largest linspace values)
        empty = torch.nonzero(unit.view(empty_before[unit.name])).flatten()
        assert torch.equal(torch.nonzero(new).flatten(), empty[-count:])


def test_masked_weights_stay_zero_through_nt_asgd_switch(hand_context, run_hooks, masked_zero):
    ctx = hand_context(total_epochs=4, steps_per_epoch=3)
    method = _setup(ctx, 0.7, growth="momentum", redistribution="momentum", update_frequency=2)
    run_hooks(method, ctx, [1], masked_zero)
    asgd = torch.optim.ASGD(ctx.model.parameters(), lr=0.5, t0=0, lambd=0.0)
    ctx.optimizer = asgd
    method.on_optimizer_change(asgd)
    updates = method.updates
    run_hooks(method, ctx, range(2, 5), masked_zero)
    assert method.updates > updates
    assert method.ctx.optimizer is asgd
    for _, param, mask in method.masks:
        ax = asgd.state[param]["ax"]
        assert torch.count_nonzero(ax[~mask]) == 0
        assert torch.count_nonzero(ax[mask]) > 0


def test_death_threshold_tracks_expected_count(hand_context):
    method = _setup(hand_context(), 0.5, death="threshold", threshold=1e-6)
    method.update_topology()  # almost nothing below 1e-6: the threshold doubles
    assert method.threshold == pytest.approx(2e-6)
    method.threshold = 10.0
    method.update_topology()  # everything below 10: the threshold halves
    assert method.threshold == pytest.approx(5.0)
    assert method.masks.kept() == round(0.5 * method.masks.total())


def test_state_round_trip_continues_bit_identically(hand_context, run_hooks):
    hp = {"growth": "random", "redistribution": "momentum", "death": "SET", "update_frequency": 3}

    def fresh():
        ctx = hand_context(seed=3, total_epochs=4, steps_per_epoch=4, momentum=0.0)
        return ctx, _setup(ctx, 0.65, **hp)

    ctx_a, full = fresh()
    losses_a = run_hooks(full, ctx_a, range(1, 5))

    ctx_b, first = fresh()
    losses_b = run_hooks(first, ctx_b, range(1, 3))
    saved = {"model": {k: v.clone() for k, v in ctx_b.model.state_dict().items()},
             "optim": ctx_b.optimizer.state_dict(), "method": first.state_dict()}

    ctx_c, second = fresh()
    ctx_c.model.load_state_dict(saved["model"])
    ctx_c.optimizer.load_state_dict(saved["optim"])
    second.load_state_dict(saved["method"])
    losses_c = run_hooks(second, ctx_c, range(3, 5))

    assert losses_b + losses_c == losses_a
    for name in full.masks.names:
        assert torch.equal(full.masks.masks[name], second.masks.masks[name])
        assert torch.equal(full.masks.params[name], second.masks.params[name])
    assert full.updates == second.updates > 0


def test_same_seed_same_masks_other_seed_differs(hand_context):
    a = _setup(hand_context(seed=1), 0.6)
    b = _setup(hand_context(seed=1), 0.6)
    c = _setup(hand_context(seed=2), 0.6)
    assert all(torch.equal(a.masks.masks[n], b.masks.masks[n]) for n in a.masks.names)
    assert not all(torch.equal(a.masks.masks[n], c.masks.masks[n]) for n in a.masks.names)


def test_no_update_after_last_epoch(hand_context, run_hooks):
    ctx = hand_context(total_epochs=2, steps_per_epoch=2)
    method = _setup(ctx, 0.5)
    run_hooks(method, ctx, range(1, 3))
    assert method.updates == 1


def test_gatewise_gru_keeps_three_gate_budgets(hand_context, run_hooks):
    ctx = hand_context(kind="gru", total_epochs=3, steps_per_epoch=2)
    method = _setup(ctx, 0.5, gatewise=True, sparse_init="uniform", death="SET", growth="gradient")
    blocks = [u for u in method.units if u.name == "rnn.weight_ih_l1"]
    assert len(blocks) == 3
    before = _per_unit_kept(method)
    run_hooks(method, ctx, range(1, 4))
    assert method.updates == 2
    assert _per_unit_kept(method) == before == [round(0.5 * u.numel) for u in method.units]
