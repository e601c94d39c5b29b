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


MIXED_SPACE = """name: lr-choices
train:
  lr: [20, 40, 1.0e+12, 1.0e+20]
methods:
  dst: {sparse_init: [uniform, ER], death_rate: {low: 0.3, high: 0.7, step: 0.1}}
"""


def test_mixed_run_excludes_the_diverged_and_crowns_a_sane_winner(tmp_path):
    """A learning-rate range in the space: the candidates with a huge rate blow up in their first
    epoch and are recorded as diverged; the others are ranked, halved and trained to the end."""
    out, space = tmp_path / "out", tmp_path / "space.yaml"
    space.write_text(MIXED_SPACE)
    done = run_cli(*search_args(out, tmp_path / "cache", "--space", space, "--hpo", "random", "--max-evals", "6",
                                "--e0", "1", "--ei", "1", "--final-count", "2", "--final-epochs", "2",
                                "--metric", "loss", "--seed", "2"))
    assert done.returncode == 0, done.stderr[-3000:]
    rows = pool_rows(out)
    lr = {r["candidate_id"]: r["hparams_dict"]["train.lr"] for r in rows}
    diverged = {r["candidate_id"] for r in rows if r["status"] == "diverged"}
    assert diverged and diverged == {c for c, rate in lr.items() if rate >= 1e12}
    for r in rows:
        if r["candidate_id"] in diverged:
            assert r["epochs"] == [1] and r["round_excluded"] == 0 and r["checkpoint"] is None
        else:  # every sane candidate was ranked; none diverged
            assert all(v == v and v < 20 for v in r["val_loss"])
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "finished" and result["first_error"] is None
    assert result["statuses"]["diverged"] == len(diverged)
    winner = result["winner"]
    assert winner["candidate_id"] not in diverged and winner["hparams"]["train.lr"] <= 40
    assert winner["val_loss"] == min(f["val_loss"] for f in result["finalists"])
    assert 1 < winner["val_metric"] < 10_000 and 1 < winner["test_metric"] < 10_000  # finite perplexities
    assert len(result["finalists"]) == 2
