"""HALO: learned per-weight lasso coefficients, one-shot pruning and masked fine-tuning.

Coefficient optimum used below (variant ``halo``): for a fixed weight the coefficient's part
of the penalty is ``f(l) = xi |w| / l**2 + psi l``; ``f'(l) = -2 xi |w| / l**3 + psi = 0``
gives ``l* = (2 xi |w| / psi) ** (1/3)`` (``f'' > 0``, so a minimum). For ``sws`` the shared
coefficient minimises ``xi ||w||_1 / l**2 + psi l**2``: ``l* = (xi ||w||_1 / psi) ** (1/4)``.
"""

import math

import pytest
import torch

from hyperprune.pruning.core.rewind import snapshot
from hyperprune.pruning.halo import Halo, lambda_of


def make(hand_context, sparsity=0.5, epochs=4, **hp):
    ctx = hand_context(total_epochs=epochs)
    method = Halo(sparsity, hp)
    method.setup(ctx)
    return method, ctx


def fix_weights(method, values):
    """Fill every prunable weight with ``values`` repeated (signs alternate)."""
    pattern = torch.tensor(values)
    with torch.no_grad():
        for _, param, _ in method.masks:
            flat = pattern.repeat(param.numel() // len(values) + 1)[: param.numel()]
            signs = torch.where(torch.arange(param.numel()) % 2 == 0, 1.0, -1.0)
            param.copy_((flat * signs).reshape(param.shape))


def test_coefficients_move_to_the_closed_form_optimum(hand_context):
    xi, psi = 1e-6, 1e-6
    method, _ = make(hand_context, xi=xi, psi=psi, lambda_init=1.0, coef_lr=0.05)
    fix_weights(method, [0.05, 0.5, 2.0])
    start_gap = None
    for step in range(600):
        method.step_coefficients()
        if step == 0:
            start_gap = max(float((lam - (2 * xi * p.detach().abs() / psi) ** (1 / 3)).abs().max())
                            for lam, (_, p, _) in zip(method.coefficients(), method.masks, strict=True))
    for lam, (_, param, _) in zip(method.coefficients(), method.masks, strict=True):
        optimum = (2 * xi * param.detach().abs() / psi) ** (1 / 3)
        assert torch.allclose(lam, optimum, atol=2e-3)
    assert start_gap > 0.4  # they really moved: 0.05 -> 0.464 from 1.0


def test_shared_coefficient_optimum(hand_context):
    xi, psi = 1e-6, 1e-6
    method, _ = make(hand_context, xi=xi, psi=psi, variant="sws", coef_lr=0.05)
    fix_weights(method, [1e-3])
    l1 = sum(float(p.detach().abs().sum()) for _, p, _ in method.masks)
    for _ in range(600):
        method.step_coefficients()
    assert float(method.coefficients()[0]) == pytest.approx((xi * l1 / psi) ** 0.25, rel=1e-3)


def test_fixed_variant_never_moves(hand_context):
    method, _ = make(hand_context, variant="l1", lambda_init=2.5)
    for _ in range(5):
        method.step_coefficients()
    assert all(torch.allclose(lam, torch.full_like(lam, 2.5)) for lam in method.coefficients())


def test_coefficients_stay_positive_under_extreme_settings(hand_context):
    method, _ = make(hand_context, xi=1e-10, psi=1e-4, coef_lr=1.0, lambda_init=0.1)
    fix_weights(method, [0.0, 1e-6])
    for _ in range(200):
        method.step_coefficients()
    for lam in method.coefficients():
        assert torch.isfinite(lam).all() and (lam > 0).all()
    assert torch.isfinite(method.penalty())


def test_penalty_value_and_gradient(hand_context):
    xi, psi = 1e-5, 1e-7
    method, ctx = make(hand_context, xi=xi, psi=psi, lambda_init=2.0)
    weights = [p for _, p, _ in method.masks]
    expected = xi * sum(float(w.detach().abs().sum()) for w in weights) / 4.0 + psi * 2.0 * method.masks.total()
    penalty = method.penalty()
    assert float(penalty.detach()) == pytest.approx(expected, rel=1e-5)
    ctx.model.zero_grad()
    penalty.backward()
    for w in weights:
        assert torch.allclose(w.grad, xi * torch.sign(w.detach()) / 4.0)
    assert all(rho.grad is None for rho in method.rhos)  # coefficients step on their own


def test_saved_fraction_loads_as_the_epoch_it_meant():
    assert Halo.upgrade_hparams({"prune_at": 0.5, "xi": 1e-6}, 4) == {"prune_epoch": 2, "xi": 1e-6}
    assert Halo.upgrade_hparams({"prune_at": 0.1}, 2) == {"prune_epoch": 1}
    assert Halo.upgrade_hparams({"prune_epoch": 3}, 2) == {"prune_epoch": 3}


def test_prunes_once_at_its_epoch_then_fine_tunes(hand_context, run_hooks, masked_zero):
    method, ctx = make(hand_context, sparsity=0.7, epochs=4, prune_epoch=2, xi=1e-6, psi=1e-6)
    assert method.prune_epoch == 2 and method.clock().settled_at is None and not method.clock().restarts
    run_hooks(method, ctx, [1])
    assert method.masks.kept() == method.masks.total()
    run_hooks(method, ctx, [2])
    target = round(0.3 * method.masks.total())
    assert method.pruned and method.masks.kept() == target
    assert (method.clock().start, method.clock().settled_at, method.clock().rankable(2)) == (0, 2, False)
    before = snapshot(ctx.model)
    run_hooks(method, ctx, [3, 4], check=masked_zero)
    assert method.masks.kept() == target
    assert not torch.equal(before["rnn.weight_hh_l0"], ctx.model.rnn.weight_hh_l0)  # it kept training
    counted = sum(int(torch.count_nonzero(p.detach())) for _, p, _ in method.masks)
    assert counted == target


def test_state_round_trip_carries_the_coefficients(hand_context, run_hooks):
    def run(split):
        method, ctx = make(hand_context, sparsity=0.5, epochs=4, xi=1e-5, psi=1e-6, coef_lr=0.1)
        run_hooks(method, ctx, [1, 2])
        if split:
            saved = (method.state_dict(), {k: v.clone() for k, v in ctx.model.state_dict().items()},
                     ctx.optimizer.state_dict())
            method, ctx = make(hand_context, sparsity=0.5, epochs=4, xi=1e-5, psi=1e-6, coef_lr=0.1)
            ctx.model.load_state_dict(saved[1])
            ctx.optimizer.load_state_dict(saved[2])
            method.load_state_dict(saved[0])
        run_hooks(method, ctx, [3, 4])
        state = method.state_dict()
        assert len(state["rhos"]) == len(method.masks) and state["coef_optimizer"]["state"]
        return snapshot(ctx.model), method.coefficients()

    (wa, la), (wb, lb) = run(False), run(True)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert all(torch.equal(a, b) for a, b in zip(la, lb, strict=True))


def test_positive_parameterisation_inverts():
    from hyperprune.pruning.halo import rho_for

    for value in (0.1, 1.0, 10.0):
        assert float(lambda_of(torch.tensor(rho_for(value), dtype=torch.float64))) == pytest.approx(value)
    assert math.isfinite(rho_for(0.1))
