"""Offline replay of halving schedules with the search's own bookkeeping; regret and the grid."""

import math

from hyperprune.calibration.analysis import analyse, recommend, schedule_grid
from hyperprune.calibration.curves import Curves
from hyperprune.calibration.replay import regret, replay
from hyperprune.searching.halving import schedule


def make_curves(metric_rows, final_loss, epochs=None):
    epochs = epochs or len(metric_rows[0])
    ids = [f"c{i:03d}" for i in range(len(metric_rows))]
    val_loss = [[1.0] * (epochs - 1) + [f] for f in final_loss]
    return Curves(ids=ids, epochs=epochs, val_loss=val_loss, final=[math.exp(f) for f in final_loss],
                  final_loss=list(final_loss), metrics={"m": [list(r) for r in metric_rows]})


def test_replay_keeps_the_better_half_each_round_and_counts_epochs_like_the_plan():
    # metric ranks candidates c000 < c001 < ... at every epoch; final quality agrees
    rows = [[i + 0.1 * e for e in range(1, 7)] for i in range(8)]
    curves = make_curves(rows, final_loss=[5.0 + 0.1 * i for i in range(8)])
    out = replay(curves, "m", e0=2, ei=1, final_count=2)
    assert [r["kept"] for r in out.rounds] == [["c000", "c001", "c002", "c003"], ["c000", "c001"]]
    assert out.winner == "c000"
    assert out.epochs == schedule(8, 2, 1, 2, 6)["epochs"]
    assert out.epochs_by_candidate == {"c000": 6, "c001": 6, "c002": 3, "c003": 3, "c004": 2, "c005": 2,
                                       "c006": 2, "c007": 2}
    assert regret(curves, out.winner) == 0.0


def test_replay_picks_the_finalist_with_the_lowest_final_loss_and_reports_regret():
    rows = [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4]]
    final = [5.2, 5.1, 5.0, 5.3]  # the best (c002) is excluded at the first rung
    curves = make_curves(rows, final)
    out = replay(curves, "m", e0=1, ei=1, final_count=2)
    assert out.winner == "c001"
    assert regret(curves, out.winner) == math.exp(5.1) - math.exp(5.0)
    assert out.statuses == {"c000": "finished", "c001": "finished", "c002": "eliminated", "c003": "eliminated"}


def test_ties_are_broken_by_candidate_id_and_diverged_candidates_are_excluded():
    rows = [[2, 2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], [0, math.nan, 0, 0]]
    curves = make_curves(rows, [5.0, 5.0, 5.0, 5.0])
    curves.val_loss[3][1] = math.nan  # c003 diverges in epoch 2
    curves.final_loss[3] = curves.final[3] = math.nan
    out = replay(curves, "m", e0=2, ei=1, final_count=1)
    assert out.statuses["c003"] == "diverged"
    assert out.epochs_by_candidate["c003"] == 2
    assert out.rounds[0]["kept"] == ["c001", "c002"]  # 3 ranked, keep ceil(3/2) = 2, tie c001/c002 kept both
    assert out.rounds[1]["kept"] == ["c001"]  # the tie at epoch 3 goes to the smaller id
    assert out.statuses["c002"] == "eliminated" and out.winner == "c001"
    assert out.epochs == 2 + 2 + 3 + 4


def test_schedule_beyond_the_budget_trains_everyone_fully():
    rows = [[i] * 4 for i in range(5)]
    curves = make_curves(rows, [5.0 + i for i in range(5)])
    out = replay(curves, "m", e0=4, ei=1, final_count=1)
    assert out.epochs == 20 and out.winner == "c000"


def test_grid_and_recommendation_choose_least_compute_within_tolerance():
    grid = schedule_grid(pool_size=5, epochs=4)
    assert (1, 1, 1) in grid and (3, 1, 4) in grid and all(e0 < 4 for e0, _, _ in grid)
    rows = [{"metric": "a", "e0": 1, "ei": 1, "final_count": 1, "regret": 0.5, "epochs": 10},
            {"metric": "b", "e0": 2, "ei": 1, "final_count": 2, "regret": 0.0, "epochs": 12},
            {"metric": "a", "e0": 3, "ei": 1, "final_count": 2, "regret": 0.0, "epochs": 14}]
    assert recommend(rows, 0.1, ["a", "b"])["metric"] == "b"
    assert recommend(rows, 1.0, ["a", "b"])["epochs"] == 10
    assert recommend(rows, -1.0, ["a", "b"]) is None


def _noise(exceeds):
    return {"spread_exceeds_noise": exceeds, "pool_sd": 0.1, "seed_sd": 0.1, "p_value": 0.4, "noise_ceiling": 0.5}


def test_analysis_recommends_nothing_when_the_spread_is_within_seed_noise():
    rows = [[i + 0.1 * e for e in range(1, 5)] for i in range(8)]
    curves = make_curves(rows, [5.0 + 0.1 * i for i in range(8)])
    dense = {"val_metric": [700.0, 650.0, 640.0, 600.0]}
    good = analyse(curves, ["m"], noise=_noise(True), dense=dense, tolerance=0.01, samples=200)
    assert good["recommendation"]["regret"] == 0.0
    assert good["metrics"]["m"]["by_epoch"][0]["spearman"]["value"] == 1.0
    assert len(good["metrics"]["m"]["by_epoch"]) == 3  # epochs before the last
    assert good["dense"]["still_improving"] is True and any("not final" in w for w in good["warnings"])
    noisy = analyse(curves, ["m"], noise=_noise(False), dense=None, tolerance=0.01, samples=200)
    assert noisy["recommendation"] is None
    assert "seed noise" in noisy["recommendation_note"]
    assert any("do not spread beyond their seed noise" in w for w in noisy["warnings"])


def test_a_pool_too_small_to_judge_gets_no_recommendation():
    rows = [[i + 0.1 * e for e in range(1, 5)] for i in range(5)]
    curves = make_curves(rows, [5.0 + 0.1 * i for i in range(5)])
    cal = analyse(curves, ["m"], noise=_noise(True), dense=None, tolerance=0.01, samples=200)
    assert cal["recommendation"] is None and "too few" in cal["recommendation_note"]
