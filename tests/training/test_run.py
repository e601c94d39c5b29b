"""TrainingRun: learning, bit-identical resume, NT-ASGD with masked averages, divergence."""

import math

import pytest
import torch

from hyperprune.config import override
from hyperprune.errors import UserError
from hyperprune.training import TrainingRun
from hyperprune.training import run as run_module


def test_tiny_lm_learns(tiny_lm):
    run = TrainingRun(override(tiny_lm, {"train.max_batches": 20}), total_epochs=2)
    first, second = run.train_epoch(), run.train_epoch()
    assert run.epoch == 2 and len(run.history) == 2 and run.task_kind == "lm"
    assert second["val_loss"] < first["val_loss"] < math.log(len(run.data.vocab))
    assert set(first) == {"epoch", "train_loss", "val_loss", "val_ppl", "sparsity", "measured_sparsity", "ls", "lr",
                          "asgd", "diverged", "method_passes", "age", "rankable", "clock_restarts", "cost_epochs"}
    assert (first["age"], second["age"], first["rankable"], first["cost_epochs"]) == (1, 2, True, 0.0)
    assert first["method_passes"] == 0.0  # the dense method spends nothing beyond training
    assert first["val_ppl"] == pytest.approx(math.exp(first["val_loss"]))
    assert first["sparsity"] == 0.0 and first["lr"] == 20.0 and first["diverged"] is False
    assert isinstance(first["val_loss"], float)


def test_same_seed_same_run_and_seed_matters(tiny_lm, half_mask):
    a = TrainingRun(tiny_lm, method=half_mask, sparsity=0.5, total_epochs=1)
    b = TrainingRun(tiny_lm, method=half_mask, sparsity=0.5, total_epochs=1)
    c = TrainingRun(tiny_lm, method=half_mask, sparsity=0.5, total_epochs=1, seed=7)
    assert torch.equal(a.model.rnn.weight_hh_l0, b.model.rnn.weight_hh_l0)
    assert not torch.equal(a.model.rnn.weight_hh_l0, c.model.rnn.weight_hh_l0)
    assert a.train_epoch() == b.train_epoch()


def _force_switch_after_two_epochs(monkeypatch):
    monkeypatch.setattr(run_module, "should_switch", lambda losses, value, nonmono: len(losses) >= 2)


def test_resume_is_bit_identical(tiny_lm, half_mask, monkeypatch, tmp_path):
    _force_switch_after_two_epochs(monkeypatch)  # the resume crosses the SGD -> ASGD switch
    spec = override(tiny_lm, {"model.dropout_e": 0.1})
    straight = TrainingRun(spec, method=half_mask, sparsity=0.5, total_epochs=5)
    for _ in range(5):
        straight.train_epoch()
    interrupted = TrainingRun(spec, method=half_mask, sparsity=0.5, total_epochs=5)
    for _ in range(4):
        interrupted.train_epoch()
    interrupted.save(tmp_path / "ckpt.pt")
    del interrupted
    torch.manual_seed(123)  # disturb the global generators; the checkpoint must restore them
    resumed = TrainingRun.load(tmp_path / "ckpt.pt")
    assert resumed.epoch == 4 and resumed.asgd
    resumed.train_epoch()
    assert resumed.history == straight.history
    for (name, p), q in zip(straight.model.state_dict().items(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(p, q), name
    for p, q in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(straight.optimizer.state[p]["ax"], resumed.optimizer.state[q]["ax"])


def test_nt_asgd_masked_averages(tiny_lm, half_mask, monkeypatch, tmp_path):
    _force_switch_after_two_epochs(monkeypatch)
    run = TrainingRun(tiny_lm, method=half_mask, sparsity=0.5, total_epochs=4)
    metrics = [run.train_epoch() for _ in range(4)]
    assert [m["asgd"] for m in metrics] == [False, False, True, True]
    assert isinstance(run.optimizer, torch.optim.ASGD)
    raw_nonzero_where_masked = 0
    run.save_weights(tmp_path / "weights.pt")
    saved = torch.load(tmp_path / "weights.pt", weights_only=True)
    for name, param, mask in run.method.masks:
        ax = run.optimizer.state[param]["ax"]
        raw_nonzero_where_masked += int(torch.count_nonzero(ax[~mask]))
        assert torch.count_nonzero(saved[name][~mask]) == 0
        assert torch.equal(saved[name][mask], ax[mask])
        assert torch.count_nonzero(param[~mask]) == 0
    assert raw_nonzero_where_masked > 0  # ASGD averages pruned weights; the run masks them again
    report = run.sparsity_report()
    assert report["global"]["sparsity"] == pytest.approx(metrics[-1]["sparsity"])
    assert 0.45 < report["global"]["sparsity"] < 0.55
    evaluated = run.evaluate("valid")
    plain = run.task.evaluate(run.model, "valid")  # raw (non-averaged) weights differ
    assert evaluated["loss"] != plain["loss"]


def test_should_switch_rule():
    from hyperprune.training.asgd import should_switch

    assert not should_switch([5.0, 4.0, 3.0], 4.5, nonmono=5)
    assert not should_switch([5.0, 4.0, 3.0, 3.1, 3.2, 3.3], 4.5, nonmono=5)  # only 5.0 is older
    assert should_switch([3.0, 4.0, 5.0, 3.1, 3.2, 3.3], 4.5, nonmono=5)
    assert not should_switch([3.0, 4.0, 5.0, 3.1, 3.2, 3.3], 2.9, nonmono=5)
    assert should_switch([3.0, 2.0], 2.5, nonmono=0)


def test_divergence_is_reported_not_raised(tiny_lm):
    spec = override(tiny_lm, {"train.lr": 1e38, "train.clip": 0.0})
    run = TrainingRun(spec, total_epochs=3)
    metrics = [run.train_epoch() for _ in range(2)]
    assert any(m["diverged"] for m in metrics)
    assert metrics[-1]["diverged"] and metrics[-1]["val_loss"] == math.inf
    before = [p.clone() for p in run.model.parameters()]
    assert run.train_epoch()["diverged"]
    assert all(torch.equal(a, b) for a, b, in zip(before, run.model.parameters(), strict=True))


def test_classifier_run_on_digits():
    from hyperprune.config import DataConfig, ModelConfig, RunSpec, TrainConfig

    spec = RunSpec(ModelConfig(kind="mlp", mlp_hidden=(32,)), DataConfig(name="digits"),
                   TrainConfig(lr=0.1, momentum=0.9, batch_size=32, eval_batch_size=64, nt_asgd=False))
    run = TrainingRun(spec, total_epochs=2)
    run.train_epoch()
    metrics = run.train_epoch()
    assert run.task_kind == "classifier" and metrics["val_acc"] > 0.8
    assert set(run.evaluate("test")) == {"loss", "accuracy"}


def test_wrong_checkpoint_and_wrong_task(tiny_lm, tmp_path):
    run = TrainingRun(tiny_lm, total_epochs=1)
    other = TrainingRun(override(tiny_lm, {"model.hidden_size": 8}), total_epochs=1)
    with pytest.raises(UserError, match="another run") as info:
        other.load_state_dict(run.state_dict())
    assert "\n" not in str(info.value)
    with pytest.raises(UserError, match="not a hyperprune training checkpoint"):
        run.load_state_dict({"model": {}})
    with pytest.raises(UserError, match="unknown pruning method"):
        TrainingRun(tiny_lm, method="nonsense")
