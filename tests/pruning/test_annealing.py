"""Simulated annealing: the kept count never changes, and the score improves on a known problem."""

import torch
from early_helpers import cnn_context, linear_context

from hyperprune.pruning.early.annealing import SimulatedAnnealing
from hyperprune.pruning.early.annealing_search import (
    AnnealingSchedule,
    MaskMemory,
    anneal,
    busiest_temperature,
    propose,
)

torch.set_num_threads(1)


def test_moves_never_change_the_kept_count():
    gen = torch.Generator().manual_seed(0)
    mask = torch.rand(300, generator=gen) < 0.3
    groups = torch.arange(300) // 100
    per_group = torch.bincount(groups[mask], minlength=3)
    for hamming in (1, 5, 40, 500):
        flat = propose(mask, hamming, None, gen)
        assert int(flat.sum()) == int(mask.sum()) and not torch.equal(flat, mask)
        grouped = propose(mask, hamming, groups, gen)
        assert torch.equal(torch.bincount(groups[grouped], minlength=3), per_group)
    assert propose(torch.ones(10, dtype=torch.bool), 3, None, gen) is None


def test_anneal_improves_and_every_scored_mask_keeps_the_count():
    values = torch.linspace(0.0, 1.0, 60)
    start = torch.zeros(60, dtype=torch.bool)
    start[:10] = True  # the worst possible mask
    seen = []

    def energy(mask):
        seen.append(int(mask.sum()))
        return -float(values[mask].sum())

    schedule = AnnealingSchedule(t0=0.05, decay=0.98, hamming=0.3, evaluations=300)
    result = anneal(start, energy, schedule, torch.Generator().manual_seed(1))
    assert set(seen) == {10} and len(seen) == result.evaluations == 300
    assert int(result.best.sum()) == 10
    assert result.best_energy < result.start_energy - 3.0  # start: -0.76, optimum: -9.24
    assert result.best_energy == min(result.energies)


def test_memory_forgets_the_oldest():
    memory = MaskMemory(2)
    masks = [torch.tensor([a, b]) for a, b in ((True, False), (False, True), (True, True))]
    for mask in masks:
        memory.add(mask)
    assert masks[0] not in memory and masks[1] in memory and masks[2] in memory


def _small_search(**settings):
    """The scored energies of a search over the 20 masks keeping 3 of 6 units (revisits abound)."""
    values = torch.tensor([0.3, -0.2, 0.5, 0.1, -0.4, 0.2])
    start = torch.tensor([True, True, True, False, False, False])
    schedule = AnnealingSchedule(t0=0.2, hamming=0.5, evaluations=120, **settings)
    result = anneal(start, lambda mask: float(values[mask].sum()), schedule, torch.Generator().manual_seed(3))
    return result.energies


def test_a_cap_the_schedule_never_reaches_changes_nothing():
    busiest = busiest_temperature(iters_start=2, iters_multiplier=1.1, evaluations=120)
    assert busiest == 13  # int(2 * 1.1 ** 20): the 21st temperature spends the last 13 of 120
    assert _small_search(iters_multiplier=1.1, iters_cap=busiest) == _small_search(iters_multiplier=1.1, iters_cap=100)
    assert _small_search(iters_multiplier=1.1, iters_cap=busiest - 1) != _small_search(iters_multiplier=1.1)
    defaults = {h.name: h.default for h in SimulatedAnnealing.HPARAMS}
    key = SimulatedAnnealing.effective_hparams
    assert key({**defaults, "iters_cap": 100}) == key(defaults)  # 150 evaluations: at most 2 moves
    assert key({**defaults, "iters_start": 20, "iters_cap": 100}) != key({**defaults, "iters_start": 20})


def test_memory_and_retries_act_only_together():
    without_memory = _small_search(memory=0, retries=30)
    assert _small_search(memory=0, retries=100) == without_memory
    assert _small_search(memory=50, retries=0) == _small_search(memory=500, retries=0) == without_memory
    assert _small_search(memory=50, retries=30) != without_memory
    defaults = {h.name: h.default for h in SimulatedAnnealing.HPARAMS}
    key = SimulatedAnnealing.effective_hparams
    assert key({**defaults, "memory": 0, "retries": 100}) == key({**defaults, "memory": 0})
    assert key({**defaults, "retries": 0, "memory": 500}) == key({**defaults, "retries": 0})
    assert key({**defaults, "memory": 500}) != key(defaults)


def _crafted_linear():
    """Labels depend on x0 and x1 only; at init those weights are small and the others large.

    Keeping 2 of 16 weights, only {w00, w11} classifies everything right."""
    ctx, _ = linear_context(features=8, classes=2, total_epochs=1)
    with torch.no_grad():  # positive noise: keeping w01 and w10 instead would invert the labels
        weight = torch.ones(2, 8)
        weight[0, 0], weight[1, 1] = 0.1, 0.1
        ctx.model.fc.weight.copy_(weight)
    return ctx


def test_sa_finds_the_known_best_mask_of_a_linear_classifier():
    ctx = _crafted_linear()
    method = SimulatedAnnealing(0.875, {"evaluations": 120, "score_epoch": 0, "t0": 0.02})
    method.setup(ctx)
    kept = method.masks.masks["fc.weight"]
    assert int(kept.sum()) == 2
    assert method.info["start_score"] > 0.3  # the magnitude mask keeps two noise weights
    assert method.info["best_score"] < method.info["start_score"]
    assert bool(kept[0, 0]) and bool(kept[1, 1]) and method.info["best_score"] < 0.01
    assert ctx.extras["splits"] == ["heldout"]  # scored on held-out batches, not the first train batch


def test_sa_is_deterministic_and_keeps_filter_counts_per_layer():
    results = []
    for _ in range(2):
        ctx = cnn_context(channels=(4, 6, 8, 10))
        method = SimulatedAnnealing(0.5, {"structure": "filters", "evaluations": 25, "init": "random", "score_epoch": 0,
                                          "hamming": 0.3})
        method.setup(ctx)
        assert [int(v.sum()) for v in method.masks.filters()] == [2, 3, 4, 5]
        assert method.info["evaluations"] == 25
        results.append(torch.cat(method.masks.filters()))
    assert torch.equal(results[0], results[1])
