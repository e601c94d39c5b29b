"""Seed noise of the final figure, the noise ceiling and the spread verdict."""

import math

import pytest

from hyperprune.calibration.noise import pick_spread, seed_noise


def test_pick_spread_takes_best_worst_and_evenly_between():
    ids = [f"c{i}" for i in range(9)]
    final = [9, 1, 8, 2, 7, 3, 6, 4, 5]
    assert pick_spread(ids, final, 3) == ["c1", "c8", "c0"]
    assert pick_spread(ids[:3], [1, math.nan, 2], 5) == ["c0", "c2"]


def test_noise_small_against_spread_exceeds_it():
    pool = {f"c{i}": 100.0 + 10 * i for i in range(10)}
    rep = {"c0": 101.0, "c3": 129.0, "c6": 161.0, "c9": 189.0}
    out = seed_noise(pool, [rep])
    assert out["seed_sd"] == pytest.approx(math.sqrt(0.5))  # every pair differs by 1: variance 0.5
    assert out["max_seed_difference"] == pytest.approx(1.0)
    assert out["spread_exceeds_noise"] is True
    assert 0.99 < out["noise_ceiling"] <= 1.0
    assert out["retest_spearman"] == pytest.approx(1.0)


def test_noise_as_large_as_spread_is_reported_as_such():
    pool = {"c0": 1.00, "c1": 1.02, "c2": 1.04, "c3": 1.06, "c4": 1.08}
    rep = {"c0": 1.07, "c2": 0.99, "c4": 1.03}
    out = seed_noise(pool, [rep])
    assert out["spread_exceeds_noise"] is False
    assert out["noise_ceiling"] < 0.5


def test_without_replicates_nothing_is_claimed():
    out = seed_noise({"c0": 1.0, "c1": 2.0, "c2": 3.0}, [])
    assert out["seed_sd"] is None and out["spread_exceeds_noise"] is None and out["pool_sd"] == 1.0
