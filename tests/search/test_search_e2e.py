"""`hyperprune search` end to end on a real embedded Ray: pool, result, epochs, reproducibility."""

import json

import pytest
from search_helpers import TINY, search_args

from hyperprune.cli import main
from hyperprune.config import override, preset
from hyperprune.searching.halving import schedule
from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tpe_search(tmp_path_factory):
    root = tmp_path_factory.mktemp("tpe")
    out = root / "out"
    code = main(search_args(out, root / "cache", "--hpo", "tpe", "--max-evals", "6", "--e0", "1", "--ei", "1",
                            "--final-epochs", "3", "--seed", "3"))
    assert code == 0
    return out, root / "cache"


def test_pool_and_result_are_written(tpe_search):
    out, _ = tpe_search
    rows = read_pool(out)
    assert len(rows) == 6  # --max-evals distinct candidates, whatever the searcher proposed twice
    assert len({(r["method"], r["hparams"]) for r in rows}) == 6
    result = json.loads((out / "result.json").read_text())
    statuses = {r["candidate_id"]: r["status"] for r in rows}
    assert list(statuses.values()).count("winner") == 1
    assert result["winner"]["candidate_id"] == next(c for c, s in statuses.items() if s == "winner")
    assert len(result["finalists"]) == 2
    assert result["winner"]["test_metric"] > 1  # a perplexity
    # the winner is the finalist with the lowest final validation loss
    assert result["winner"]["val_loss"] == min(f["val_loss"] for f in result["finalists"])
    assert (out / "winner" / "weights.pt").is_file()
    for row in rows:
        assert row["node_id"] and row["method"] == "dst"
        assert len(row["ls"]) == len(row["epochs"]) and all(len(s) == 48 for s in row["ls"])  # 2 x 24
        assert row["method_passes"] == [0.0] * len(row["epochs"])  # dst spends nothing beyond training
        assert len(row["train_s"]) == len(row["epochs"]) and all(s > 0 for s in row["train_s"] + row["ls_s"])
        assert all(s is not None and s > 0 for s in row["checkpoint_s"])  # every epoch was saved


def test_the_winners_files_are_those_of_its_last_checkpoint(tpe_search):
    import torch

    from hyperprune.training.run import TrainingRun

    out, _ = tpe_search
    winner = next(r for r in read_pool(out) if r["status"] == "winner")
    saved = torch.load(out / "winner" / "weights.pt", weights_only=True)
    run = TrainingRun.load(f"{winner['checkpoint']}/run.pt")
    assert run.epoch == 3
    with run.evaluation_weights():
        expected = run.model.state_dict()
    assert saved.keys() == expected.keys() and all(torch.equal(saved[k], expected[k]) for k in saved)
    report = json.loads((out / "winner" / "sparsity.json").read_text())
    assert report == json.loads(json.dumps(run.sparsity_report())) == json.loads((out / "result.json").read_text())["winner_sparsity"]


def test_epochs_spent_equal_the_schedule_without_retraining(tpe_search):
    out, _ = tpe_search
    rows = read_pool(out)
    plan = schedule(len(rows), e0=1, ei=1, final_count=2, final_epochs=3)
    spent = sum(r["epochs_trained"] for r in rows)
    assert spent == plan["epochs"]
    for r in rows:
        assert r["epochs"] == list(range(1, len(r["epochs"]) + 1))  # each epoch once, in order
    assert json.loads((out / "result.json").read_text())["epochs_spent"] == plan["epochs"]


def test_eliminated_candidates_lose_their_checkpoints(tpe_search):
    out, _ = tpe_search
    for r in read_pool(out):
        if r["status"] == "eliminated":
            assert r["checkpoint"] is None
            assert not list((out / "tune" / "search" / f"cand-{r['candidate_id']}").glob("checkpoint_*"))
        assert (out / "pool" / r["candidate_id"] / "run.pt").is_file()


def test_paused_and_resumed_finalist_matches_an_uninterrupted_run(tpe_search):
    """A finalist was paused at every rung and resumed; its figures equal a straight run."""
    from hyperprune.training.run import TrainingRun

    out, _ = tpe_search
    winner = next(r for r in read_pool(out) if r["status"] == "winner")
    spec = override(preset("tiny"), {**dict(s.split("=") for s in TINY), "train.epochs": 3, "train.seed": 3})
    run = TrainingRun(spec, method="dst", sparsity=winner["sparsity"], hparams=winner["hparams_dict"],
                      seed=winner["seed"], total_epochs=3)
    losses = [run.train_epoch()["val_loss"] for _ in range(3)]
    assert losses == winner["val_loss"]
    assert run.evaluate("test")["loss"] == winner["test_loss"]


def test_initial_pool_continues_from_saved_checkpoints(tpe_search, tmp_path):
    out, cache = tpe_search
    first = json.loads((out / "result.json").read_text())
    code = main(search_args(tmp_path / "again", cache, "--initial-pool", str(out), "--e0", "1", "--ei", "1",
                            "--final-epochs", "3", "--seed", "3"))
    assert code == 0
    rows = read_pool(tmp_path / "again")
    assert sorted(r["candidate_id"] for r in rows) == sorted(r["candidate_id"] for r in read_pool(out))
    again = json.loads((tmp_path / "again" / "result.json").read_text())
    # round-1 epochs are not trained again; the same decisions lead to the same winner
    assert again["epochs_spent"] == first["epochs_spent"] - len(rows)
    assert again["winner"]["candidate_id"] == first["winner"]["candidate_id"]
    assert again["winner"]["test_loss"] == first["winner"]["test_loss"]


@pytest.mark.parametrize("hpo", ["atpe", "optuna"])
def test_other_searchers_seed_the_pool(hpo, tmp_path):
    out = tmp_path / "out"
    code = main(search_args(out, tmp_path / "cache", "--hpo", hpo, "--max-evals", "5", "--e0", "1",
                            "--final-epochs", "2", "--final-count", "1", "--metric", "loss"))
    assert code == 0
    rows = read_pool(out)
    assert len(rows) == 5
    result = json.loads((out / "result.json").read_text())
    assert result["winner"] is not None and result["metric"] == "loss"
