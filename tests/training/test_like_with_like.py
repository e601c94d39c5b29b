"""Like with like: a shared start, the fair clock (ranked by age since the last rewind, never at
rewound weights), one measured state per epoch."""

import pytest
import torch

from hyperprune.lyapunov.probe import LSProbe
from hyperprune.training import TrainingRun

# every pruning method, with hyperparameters that schedule its pruning late; the rewinding ones
# (lottery, incop, early masks with rewind) find their masks over several epochs first
LATE = {
    "dst": {},
    "halo": {"prune_epoch": 1},
    "lottery": {"prune_rate": 0.3},
    "incop": {"warmup_epochs": 3, "iter_epochs": 1},
    "snip": {"score_epoch": 3},
    "magsign": {"score_epoch": 3},
    "random": {"score_epoch": 3, "rewind": False},
    "sa": {"score_epoch": 3, "evaluations": 20},
}
REWINDING = {"lottery", "incop", "snip", "magsign", "sa"}


def test_every_candidate_starts_from_the_dense_reference(tiny_lm):
    dense = TrainingRun(tiny_lm, method="dense", total_epochs=4)
    for method, hparams in (("dst", {}), ("snip", {}), ("lottery", {})):
        run = TrainingRun(tiny_lm, method=method, sparsity=0.67, hparams=hparams, total_epochs=4)
        masks = dict(run.method.masks.masks)
        for name, param in run.model.state_dict().items():
            reference = dense.model.state_dict()[name]
            kept = masks.get(name, torch.ones_like(param, dtype=torch.bool))
            # the unmasked weights are the dense reference's initial weights, exactly
            assert torch.equal(param[kept], reference[kept]), (method, name)
        assert [b[0].tolist() for b in run.task.train_batches(1)] == [b[0].tolist() for b in dense.task.train_batches(1)]


def test_init_seed_changes_the_initial_weights_only(tiny_lm):
    a = TrainingRun(tiny_lm, method="dense", total_epochs=2)
    b = TrainingRun(tiny_lm, method="dense", total_epochs=2, init_seed=99)
    assert not torch.equal(a.model.rnn.weight_hh_l0, b.model.rnn.weight_hh_l0)
    assert [x[0].tolist() for x in a.task.train_batches(2)] == [x[0].tolist() for x in b.task.train_batches(2)]


@pytest.mark.parametrize("method", sorted(LATE))
def test_ranked_by_age_at_the_target_and_never_at_rewound_weights(tiny_lm, method):
    final_age = 2
    run = TrainingRun(tiny_lm, method=method, sparsity=0.67, hparams=LATE[method], total_epochs=final_age)
    history = []
    while not run.finished():
        history.append(run.train_epoch())
        assert len(history) < 12, method
    for metrics in history:
        measured = metrics["measured_sparsity"]
        assert metrics["sparsity"] >= measured - 1e-12  # zero weights include every pruned one
        if metrics["rankable"]:
            assert measured == pytest.approx(0.67, abs=0.005), (method, metrics["epoch"])
            assert metrics["age"] >= 1  # at least one epoch trained since the mask became final
        if metrics["age"] == 0:
            assert not metrics["rankable"]  # right after a rewind: never ranked
    ranked = [m for m in history if m["rankable"]]
    first = ranked[0]
    # ages count on from the last rewind; a method that prunes without rewinding counts from init
    # and is rankable from the epoch after its prune
    assert [m["age"] for m in ranked] == list(range(ranked[0]["age"], final_age + 1)), method
    assert ranked[0]["age"] == (1 if method in REWINDING or method == "dst" else 2), method
    assert history[-1]["age"] == final_age
    # every epoch before the clock started is cost; extra passes add to it
    assert first["cost_epochs"] >= first["epoch"] - first["age"]
    if method in REWINDING:
        rewound = [m for m in history if m["age"] == 0]
        assert rewound and first["epoch"] == rewound[-1]["epoch"] + 1, method
        assert first["epoch"] - first["age"] == rewound[-1]["epoch"] >= 1
        assert first["val_loss"] != rewound[-1]["val_loss"]  # trained since the rewind
    else:
        assert first["epoch"] == first["age"] and first["cost_epochs"] == pytest.approx(
            sum(m["method_passes"] for m in history[: first["epoch"]]) / run.ctx.work.shape.plain_passes)


def test_a_checkpoint_saved_before_the_clock_still_loads(tiny_lm, tmp_path):
    run = TrainingRun(tiny_lm, method="halo", sparsity=0.67, hparams={"prune_epoch": 1}, total_epochs=3)
    run.train_epoch()
    state = run.state_dict()
    # as an earlier version wrote it: the search's first rung and HALO's fraction of it
    state["prune_by"] = 1
    state["hparams"] = {k: v for k, v in state["hparams"].items() if k != "prune_epoch"} | {"prune_at": 0.5}
    path = tmp_path / "old.pt"
    torch.save(state, path)
    old = TrainingRun.load(path)
    assert old.method.hp["prune_epoch"] == 1 and old.epoch == 1
    fresh = TrainingRun(tiny_lm, method="halo", sparsity=0.67, hparams={"prune_epoch": 1}, total_epochs=3)
    fresh.load_state_dict(state)
    assert fresh.train_epoch() == old.train_epoch()


def test_dst_is_measured_before_its_topology_update(tiny_lm):
    run = TrainingRun(tiny_lm, method="dst", sparsity=0.67, hparams={"death_rate": 0.5}, total_epochs=4)
    masks = []
    for _ in range(2):
        run.train_epoch()
        masks.append({k: v.clone() for k, v in run.method.masks.masks.items()})
    assert any(not torch.equal(masks[0][k], masks[1][k]) for k in masks[0])  # the topology moved
    # the update that follows epoch 2 opens epoch 3: the masks measured after epoch 2 are those
    # that were trained in it
    before = {k: v.clone() for k, v in run.method.masks.masks.items()}
    run.method.before_epoch(3)
    assert any(not torch.equal(before[k], run.method.masks.masks[k]) for k in before)


def test_the_spectrum_belongs_to_the_measured_state(tiny_lm):
    run = TrainingRun(tiny_lm, method="dst", sparsity=0.67, total_epochs=2)
    probe = LSProbe.for_run(run, seed=3)
    run.attach_probe(probe)
    assert len(run.ls_epoch0) == 2 * 16
    metrics = run.train_epoch()
    assert metrics["ls"] == probe.spectrum(run)  # the network left after the epoch is the one measured
    assert run.spectra()[0] == run.ls_epoch0 and run.spectra()[1] == metrics["ls"]
