"""A worker that dies mid-training is retried from its last checkpoint; candidates that diverge
are recorded as such and the search still ends cleanly."""

import json

import pytest
from faultkit import TINY, pool_rows, run_cli, search_args

from hyperprune.config import override, preset
from hyperprune.training.run import TrainingRun

pytestmark = pytest.mark.slow


def test_dead_worker_is_retried_from_its_checkpoint(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "crashed"
    # two candidates, both finalists; c000's worker exits abruptly before training epoch 3
    args = search_args(out, tmp_path / "cache", "--hpo", "random", "--max-evals", "2", "--final-count", "2",
                       "--e0", "1", "--final-epochs", "3", "--seed", "2", "--metric", "loss",
                       "--max-failures", "1")
    done = run_cli(*args, extra_env={"HYPERPRUNE_TEST_CRASH_ONCE": f"c000:3:{marker}"})
    assert done.returncode == 0, done.stderr
    assert marker.is_file(), "the fault was not injected"
    rows = {r["candidate_id"]: r for r in pool_rows(out)}
    c0 = rows["c000"]
    assert c0["failures"] == 1 and rows["c001"]["failures"] == 0
    assert c0["status"] in ("finished", "winner")
    # epochs 1 and 2 came from the checkpoint, not trained again; epoch 3 trained once
    assert c0["epochs"] == [1, 2, 3] and c0["epochs_trained"] == 3
    spec = override(preset("tiny"), {**dict(s.split("=") for s in TINY), "train.epochs": 3, "train.seed": 2})
    run = TrainingRun(spec, method=c0["method"], sparsity=c0["sparsity"], hparams=c0["hparams_dict"],
                      seed=c0["seed"], total_epochs=3)
    assert [run.train_epoch()["val_loss"] for _ in range(3)] == c0["val_loss"]
    assert run.evaluate("test")["loss"] == c0["test_loss"]
    result = json.loads((out / "result.json").read_text())
    assert len(result["finalists"]) == 2 and result["epochs_spent"] == 6


def test_all_candidates_diverge_gives_no_winner_and_exit_0(tmp_path):
    out = tmp_path / "out"
    args = [a for a in search_args(out, tmp_path / "cache", "--hpo", "random", "--max-evals", "2", "--e0", "1",
                                   "--final-epochs", "2", "--final-count", "1", "--metric", "loss",
                                   "--set", "train.lr=1e30", "--set", "train.clip=0") if a != "--quiet"]
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "no winner: every candidate diverged (2 of 2); status diverged" in done.stdout
    result = json.loads((out / "result.json").read_text())
    assert result["winner"] is None and result["finalists"] == []
    assert result["status"] == "diverged" and result["first_error"] is None
    rows = pool_rows(out)
    assert len(rows) == 2 and {r["status"] for r in rows} == {"diverged"}
    assert result["statuses"] == {"diverged": 2}
    assert not (out / "winner").exists()
