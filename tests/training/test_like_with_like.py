"""Like with like: a shared start, the target reached by ``prune_by``, one measured state per epoch."""

import pytest
import torch

from hyperprune.lyapunov.probe import LSProbe
from hyperprune.training import TrainingRun

# every pruning method, with hyperparameters that schedule its pruning late in a 4-epoch run
LATE = {
    "dst": {},
    "halo": {"prune_at": 1.0},
    "lottery": {"prune_rate": 0.3},
    "incop": {"warmup_epochs": 3, "iter_epochs": 1},
    "snip": {"score_epoch": 3},
    "magsign": {"score_epoch": 3},
    "random": {"score_epoch": 3},
    "sa": {"score_epoch": 3, "evaluations": 20},
}


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
@pytest.mark.parametrize("prune_by", [1, 2])
def test_target_reached_by_prune_by_and_measured_as_such(tiny_lm, method, prune_by):
    run = TrainingRun(tiny_lm, method=method, sparsity=0.67, hparams=LATE[method], total_epochs=4,
                      prune_by=prune_by)
    for epoch in range(1, 5):
        metrics = run.train_epoch()
        measured = metrics["measured_sparsity"]
        assert metrics["sparsity"] >= measured - 1e-12  # zero weights include every pruned one
        # pruned = masked and zero in the evaluated weights: every masked weight is zero
        assert measured == pytest.approx(run.method.masks.sparsity(), abs=1e-9), (method, epoch)
        if epoch >= prune_by:
            assert measured == pytest.approx(0.67, abs=0.005), (method, epoch)


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
