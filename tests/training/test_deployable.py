"""A finished run's deployable files: written from the live run, equal to the files its checkpoint gives."""

import json
import shutil

import torch

from hyperprune.searching.results import _export_winner
from hyperprune.training import TrainingRun
from hyperprune.training import run as run_module
from hyperprune.training.deployable import copy_deployable, write_deployable


def _asgd_run(tiny_lm, half_mask, monkeypatch) -> TrainingRun:
    """Three epochs, the last two under NT-ASGD: the saved weights are the masked averages."""
    monkeypatch.setattr(run_module, "should_switch", lambda losses, value, nonmono: len(losses) >= 1)
    run = TrainingRun(tiny_lm, method=half_mask, sparsity=0.5, total_epochs=3)
    for _ in range(3):
        run.train_epoch()
    assert run.asgd
    return run


def _weights(path):
    return torch.load(path, weights_only=True)


def test_the_live_runs_files_equal_those_of_its_checkpoint(tiny_lm, half_mask, monkeypatch, tmp_path):
    run = _asgd_run(tiny_lm, half_mask, monkeypatch)
    live, rebuilt = tmp_path / "live", tmp_path / "rebuilt"
    run.save(tmp_path / "run.pt")
    report = write_deployable(run, live)
    assert sorted(p.name for p in live.iterdir()) == ["sparsity.json", "weights.pt"]  # unstructured: no model.pt
    assert json.loads((live / "sparsity.json").read_text()) == report
    assert 0.45 < report["global"]["sparsity"] < 0.55
    assert write_deployable(TrainingRun.load(tmp_path / "run.pt"), rebuilt) == report
    mine, theirs = _weights(live / "weights.pt"), _weights(rebuilt / "weights.pt")
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert torch.equal(mine[name], theirs[name]), name
    for name, _param, mask in run.method.masks:
        assert torch.count_nonzero(mine[name][~mask]) == 0  # averaged, and still masked


def test_copy_takes_every_file_and_nothing_from_a_folder_without_them(tiny_lm, half_mask, monkeypatch, tmp_path):
    run = _asgd_run(tiny_lm, half_mask, monkeypatch)
    report = write_deployable(run, tmp_path / "checkpoint")
    assert copy_deployable(tmp_path / "checkpoint", tmp_path / "winner") == report
    for name in ("weights.pt", "sparsity.json"):
        assert (tmp_path / "winner" / name).read_bytes() == (tmp_path / "checkpoint" / name).read_bytes()
    assert copy_deployable(tmp_path / "empty", tmp_path / "nowhere") is None
    assert not (tmp_path / "nowhere").exists()


def test_the_winner_of_a_checkpoint_without_files_is_rebuilt_the_same(tiny_lm, half_mask, monkeypatch, tmp_path):
    run = _asgd_run(tiny_lm, half_mask, monkeypatch)
    new, old = tmp_path / "new", tmp_path / "old"
    new.mkdir()
    run.save(new / "run.pt")
    write_deployable(run, new)
    old.mkdir()
    shutil.copy(new / "run.pt", old / "run.pt")  # what an earlier version's finalist left
    copied = _export_winner(tmp_path / "out-new", {"checkpoint": str(new)})
    rebuilt = _export_winner(tmp_path / "out-old", {"checkpoint": str(old)})
    assert copied == rebuilt
    a, b = _weights(tmp_path / "out-new" / "winner" / "weights.pt"), _weights(tmp_path / "out-old" / "winner" / "weights.pt")
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert _export_winner(tmp_path / "out-none", {"checkpoint": None}) is None
