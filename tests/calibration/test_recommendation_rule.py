"""The recommendation rule: never luck on pure-noise pools (at most the stated error rate), a
recommendation where a real signal exists, nothing without measured noise or before pruning."""

import math

import numpy as np

from hyperprune.calibration.analysis import analyse
from hyperprune.calibration.curves import Curves
from hyperprune.calibration.recommendation import ERROR_RATE, first_comparable_epoch

NOISE_EXCEEDED = {"spread_exceeds_noise": True, "pool_sd": 1.0, "seed_sd": 0.1, "p_value": 0.001}


def synthetic_pool(rng, *, signal: float, n: int = 16, epochs: int = 8) -> Curves:
    """``n`` candidates x ``epochs``: final perplexities spread widely; the early LS distance and
    loss are ``signal`` x the final quality plus unit noise (0: pure noise)."""
    quality = rng.normal(size=n)
    final_loss = 5.0 + 0.2 * quality
    ls = signal * quality[:, None] + rng.normal(size=(n, epochs))
    loss = 6.0 + 0.2 * (signal * quality[:, None] + rng.normal(size=(n, epochs)))
    loss[:, -1] = final_loss
    ids = [f"c{i:03d}" for i in range(n)]
    return Curves(
        ids=ids,
        epochs=epochs,
        val_loss=loss.tolist(),
        final=np.exp(final_loss).tolist(),
        final_loss=final_loss.tolist(),
        metrics={"ls": ls.tolist(), "loss": loss.tolist()},
    )


def _recommended(curves, seed, **kwargs):
    cal = analyse(
        curves,
        ["ls", "loss", "rank"],
        noise=NOISE_EXCEEDED,
        dense=None,
        tolerance=0.01,
        seed=seed,
        samples=400,
        regret_samples=100,
        every_interval=False,
        **kwargs,
    )
    return cal["recommendation"]


def _analysed_ls(curves, *, prune_by, **kwargs):
    """The calibration of ``curves`` ranked by the LS distance alone, with seed noise measured."""
    return analyse(
        curves,
        ["ls"],
        noise=NOISE_EXCEEDED,
        dense=None,
        tolerance=0.01,
        samples=200,
        prune_by=prune_by,
        regret_samples=50,
        **kwargs,
    )


def test_pure_noise_pools_get_a_recommendation_at_most_at_the_error_rate():
    rng = np.random.default_rng(2024)
    pools = 200
    recommended = sum(_recommended(synthetic_pool(rng, signal=0.0), seed=i) is not None for i in range(pools))
    assert recommended <= ERROR_RATE * pools, recommended


def test_a_real_signal_gets_a_recommendation_at_a_comparable_rung():
    rng = np.random.default_rng(7)
    rec = _recommended(synthetic_pool(rng, signal=4.0), seed=0, prune_by=2)
    assert rec is not None
    assert rec["e0"] >= 2 and rec["comparable"]
    assert rec["spearman_lower_bound"] > 0 and rec["regret_high"] <= 0.01 * min(
        synthetic_pool(np.random.default_rng(7), signal=4.0).final
    )


def test_without_measured_seed_noise_nothing_is_recommended_and_it_says_so():
    curves = synthetic_pool(np.random.default_rng(7), signal=4.0)
    cal = analyse(
        curves,
        ["ls"],
        noise={"spread_exceeds_noise": None},
        dense=None,
        tolerance=0.01,
        samples=200,
        every_interval=False,
    )
    assert cal["recommendation"] is None
    assert "not measured" in cal["recommendation_note"]


def test_epochs_before_pruning_are_shown_as_not_comparable_and_never_recommended():
    cal = _analysed_ls(synthetic_pool(np.random.default_rng(7), signal=4.0), prune_by=3, every_interval=False)
    assert [r["comparable"] for r in cal["metrics"]["ls"]["by_epoch"]] == [False, False] + [True] * 5
    assert cal["recommendation"]["e0"] >= 3
    assert all(r["regret_high"] is None for r in cal["schedules"] if not r["comparable"])


def test_the_regret_of_every_comparable_schedule_carries_its_percentile():
    cal = _analysed_ls(synthetic_pool(np.random.default_rng(3), signal=1.0, n=8, epochs=4), prune_by=2)
    for row in cal["schedules"]:
        if row["comparable"]:
            assert row["regret_high"] is not None and row["regret_high"] >= 0.0
            assert math.isfinite(row["regret_high"])


def test_rankable_flags_set_the_first_comparable_epoch():
    curves = synthetic_pool(np.random.default_rng(1), signal=0.0, n=3, epochs=4)
    curves.rankable = [[False, True, True, True], [False, False, True, True], [True] * 4]
    assert first_comparable_epoch(curves, prune_by=None) == 3
    del curves.rankable
    assert first_comparable_epoch(curves, prune_by=2) == 2
