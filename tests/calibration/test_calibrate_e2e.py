"""`hyperprune calibrate` end to end on a real embedded Ray, and replay against a real search."""

import json
import shutil

import pytest

from hyperprune.calibration.curves import Curves
from hyperprune.calibration.noise import pick_random
from hyperprune.calibration.replay import replay
from hyperprune.cli import main
from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow

TINY = ["model.hidden_size=24", "model.emb_size=24", "train.max_batches=6", "train.max_eval_batches=4",
        "train.ls_steps=12", "train.ls_warmup=3"]
EPOCHS = 3


def _args(command, out, cache, *extra):
    args = [command, "--out", str(out), "--cache-dir", str(cache), "--no-dashboard", "--quiet"]
    for item in TINY:
        args += ["--set", item]
    return args + list(extra)


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    root = tmp_path_factory.mktemp("calibrate")
    out = root / "cal"
    code = main(_args("calibrate", out, root / "cache", "--max-evals", "3", "--epochs", str(EPOCHS), "--e0", "1",
                      "--replicate-count", "2", "--bootstrap", "200"))
    assert code == 0
    return out, root


def test_every_candidate_trains_fully_and_the_analysis_is_written(calibration):
    out, _ = calibration
    rows = read_pool(out)
    assert len(rows) == 3
    for row in rows:
        assert row["epochs"] == [1, 2, 3] and row["status"] in ("finished", "winner")
        assert all(v is not None for v in row["ls_distance"])
    cal = json.loads((out / "calibration.json").read_text())
    assert list(cal["metrics"]) == ["ls", "ls-trajectory", "loss", "rank", "loss-extrapolation"]
    for metric in cal["metrics"].values():
        assert [r["epoch"] for r in metric["by_epoch"]] == [1, 2]
        for row in metric["by_epoch"]:
            for kind in ("spearman", "kendall"):
                cell = row[kind]
                assert cell["n"] == 3 and cell["low"] <= cell["value"] <= cell["high"]
    assert cal["final"] == {r["candidate_id"]: r["final_val_metric"] for r in rows}
    assert {(s["e0"], s["ei"], s["final_count"]) for s in cal["schedules"]} >= {(1, 1, 1), (2, 1, 2)}
    assert cal["full_training_epochs"] == 9
    # the replicate: 2 candidates drawn at random (seeded by the master seed) retrained from master seed 1
    replicate = read_pool(out / "replicates" / "seed-1")
    ids = sorted(r["candidate_id"] for r in rows)
    finals = [next(r["final_val_metric"] for r in rows if r["candidate_id"] == cid) for cid in ids]
    assert sorted(r["candidate_id"] for r in replicate) == sorted(pick_random(ids, finals, 2, 0))
    assert all(r["epochs"] == [1, 2, 3] for r in replicate)
    assert cal["noise"]["replicated"] == 2 and cal["noise"]["seed_sd"] > 0
    assert cal["noise"]["spread_exceeds_noise"] in (True, False)
    assert cal["recommendation"] is None  # three candidates are too few to recommend anything
    assert cal["dense"]["still_improving"] in (True, False)
    report = (out / "report" / "index.html").read_text()
    for image in ("correlation_by_epoch.png", "regret.png", "scatter.png", "curves.png"):
        assert image in report and (out / "report" / image).is_file()


@pytest.mark.parametrize("distance, metric", [("l2", "ls"), ("trajectory", "ls-trajectory")])
def test_offline_replay_gives_the_winner_and_epochs_of_a_real_search(calibration, distance, metric):
    out, root = calibration
    search = root / f"search-{distance}"
    code = main(_args("search", search, root / "cache", "--no-report", "--initial-pool", str(out), "--metric", "ls",
                      "--ls-distance", distance, "--e0", "1", "--ei", "1", "--final-count", "1",
                      "--final-epochs", str(EPOCHS)))
    assert code == 0
    cal = json.loads((out / "calibration.json").read_text())
    curves = Curves.from_rows(read_pool(out), EPOCHS)
    curves.metrics[metric] = [cal["curves"][metric][cid] for cid in curves.ids]
    outcome = replay(curves, metric, e0=1, ei=1, final_count=1)
    assert len(outcome.rounds) == 2  # 3 -> 2 at epoch 1, 2 -> 1 at epoch 2
    real = {r["candidate_id"]: r for r in read_pool(search) if r["status"] != "control"}
    result = json.loads((search / "result.json").read_text())
    assert result["winner"]["candidate_id"] == outcome.winner
    assert {cid: r["epochs"][-1] for cid, r in real.items()} == outcome.epochs_by_candidate
    # the pool's epoch 1 came from the calibration's checkpoints; the search trained the rest
    assert result["epochs_spent"] + len(real) == outcome.epochs
    for h in outcome.rounds:
        excluded = {cid for cid, r in real.items() if r["round_excluded"] == h["round"]}
        assert excluded == set(h["excluded"])
    # the distances the search ranked by are exactly the ones computed offline
    for cid, r in real.items():
        assert r["ls_distance"] == cal["curves"][metric][cid][: len(r["epochs"])]


def test_resume_redoes_what_is_missing(calibration):
    out, _ = calibration
    before = json.loads((out / "calibration.json").read_text())
    (out / "calibration.json").unlink()
    shutil.rmtree(out / "report")
    assert main(["resume", str(out)]) == 0
    after = json.loads((out / "calibration.json").read_text())
    assert {k: v for k, v in after.items() if k != "training_s"} == {
        k: v for k, v in before.items() if k != "training_s"}
    assert (out / "report" / "index.html").is_file()
