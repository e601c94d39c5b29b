"""Declared extra cost of the pruning methods against the work they actually count, and the
search spaces' ranges kept within a budget of plain training epochs (work counted in forward
passes, never timed)."""

import pytest

from hyperprune.config import override, preset
from hyperprune.pruning.core.cost import EpochShape
from hyperprune.pruning.registry import METHODS
from hyperprune.searching.cost_budget import (
    MAX_EPOCH_FACTOR,
    fit_to_budget,
    spec_epoch_shape,
    worst_case_passes,
)
from hyperprune.searching.space import builtin_spaces, load_space, parse_space
from hyperprune.training.run import TrainingRun

SMALL = {"model.hidden_size": 16, "model.emb_size": 16, "train.max_batches": 3, "train.max_eval_batches": 2}

# (method, hyperparameters, epochs) each spending its declared extra work in a short run
CASES = [
    ("sa", {"evaluations": 12, "heldout_batches": 3, "score_epoch": 1}, 2),
    ("snip", {"n_batches": 5}, 1),
    ("incop", {"criterion": "gf", "stat_batches": 2, "warmup_epochs": 1, "iter_epochs": 1}, 3),
    ("incop", {"criterion": "if", "stat_batches": 3, "warmup_epochs": 1, "iter_epochs": 1}, 3),
    ("halo", {"variant": "halo"}, 1),
    ("dst", {}, 2),
    ("lottery", {}, 2),
]


@pytest.mark.parametrize(("method", "hparams", "epochs"), CASES)
def test_counted_work_stays_within_the_declaration(method, hparams, epochs):
    spec = override(preset("tiny"), SMALL)
    run = TrainingRun(spec, method=method, sparsity=0.5, hparams=hparams, total_epochs=epochs)
    shape = run.ctx.work.shape
    declared = METHODS.get(method).extra_passes(run.method.hp, shape)
    spent = [run.train_epoch()["method_passes"] for _ in range(epochs)]
    assert all(0 <= passes <= declared + 1e-9 for passes in spent), (spent, declared)
    if declared:
        # the bound is reached in some epoch: the declaration is the real cost, not a loose guess
        assert max(spent) == pytest.approx(declared)
    assert run.history[-1]["method_passes"] == spent[-1]


def test_annealing_counts_every_scored_mask():
    spec = override(preset("tiny"), SMALL)
    run = TrainingRun(
        spec, method="sa", sparsity=0.5, hparams={"evaluations": 20, "heldout_batches": 2}, total_epochs=2
    )
    spent = [run.train_epoch()["method_passes"] for _ in range(2)]
    assert spent == [40.0, 0.0]  # the search happens at the end of epoch 1 (score_epoch=1)
    assert run.method.info["evaluations"] == 20


def _shapes():
    for name in ("tiny", "paper"):
        yield name, spec_epoch_shape(override(preset(name), {"data.name": "embedded"}))


@pytest.mark.parametrize("space_name", builtin_spaces())
def test_shipped_spaces_keep_a_candidate_epoch_within_three_plain_epochs(space_name):
    for preset_name, shape in _shapes():
        fitted = fit_to_budget(load_space(space_name), shape)
        for method in fitted.methods:
            worst = worst_case_passes(method, shape)
            epoch = (shape.plain_passes + worst) / shape.plain_passes
            assert epoch <= MAX_EPOCH_FACTOR, (preset_name, method.method, epoch)


def test_annealing_ranges_are_narrowed_and_said_so():
    shape = EpochShape(steps=60, batch_items=700)
    space = load_space("all-methods")
    raw = next(m for m in space.methods if m.method == "sa")
    assert worst_case_passes(raw, shape) > 100 * shape.plain_passes  # as declared, 20000 x 32 passes
    lines = []
    fitted = next(m for m in fit_to_budget(space, shape, log=lines.append).methods if m.method == "sa")
    assert fitted.params["evaluations"].high < raw.params["evaluations"].high
    assert fitted.params["evaluations"].low == raw.params["evaluations"].low
    assert worst_case_passes(fitted, shape) <= (MAX_EPOCH_FACTOR - 1) * shape.plain_passes
    assert len(lines) == 1 and "sa.evaluations at most" in lines[0]


def test_a_fixed_costly_setting_is_reported_not_silently_kept():
    shape = EpochShape(steps=10, batch_items=700)
    space = parse_space({"methods": {"sa": {"evaluations": 5000, "heldout_batches": 4}}})
    lines = []
    fitted = fit_to_budget(space, shape, log=lines.append)
    assert fitted.methods[0].params["evaluations"].value == 5000
    assert len(lines) == 1 and "narrow its evaluations, heldout_batches" in lines[0]
