"""Seed noise of the final figure, the noise ceiling and the spread verdict."""

import math

import pytest

from hyperprune.calibration.noise import one_way_anova, pick_random, rank_ceilings, seed_noise


def test_replicates_are_drawn_at_random_with_the_seed_not_by_the_first_seed_ranking():
    ids = [f"c{i}" for i in range(9)]
    final = [9, 1, 8, 2, 7, 3, 6, 4, 5]
    picks = {tuple(pick_random(ids, final, 3, seed)) for seed in range(20)}
    assert len(picks) > 5  # not always the best, the worst and the middle
    assert pick_random(ids, final, 3, 4) == pick_random(ids, final, 3, 4)
    assert all(len(p) == 3 and len(set(p)) == 3 for p in picks)
    assert pick_random(ids[:3], [1, math.nan, 2], 5, 0) == ["c0", "c2"]


def test_one_way_anova_matches_the_textbook_figures():
    groups = [[1.0, 2.0], [3.0, 5.0], [6.0, 6.0]]
    out = one_way_anova(groups)
    # grand mean 23/6; group means 1.5, 4, 6; SSB = 2*(1.5-23/6)^2 + 2*(4-23/6)^2 + 2*(6-23/6)^2
    ssb = 2 * ((1.5 - 23 / 6) ** 2 + (4 - 23 / 6) ** 2 + (6 - 23 / 6) ** 2)
    assert out["between_ms"] == pytest.approx(ssb / 2)
    assert out["within_ms"] == pytest.approx((0.5 + 2.0 + 0.0) / 3)
    f = out["between_ms"] / out["within_ms"]
    assert out["f_statistic"] == pytest.approx(f)
    assert out["icc"] == pytest.approx((f - 1) / (f + 1))  # k = 2 seeds
    assert out["icc_low"] < out["icc"] < out["icc_high"] <= 1.0


def test_kendall_ceiling_is_drawn_apart_from_spearman():
    spearman, kendall = rank_ceilings(0.5)
    assert spearman == pytest.approx(6 / math.pi * math.asin(math.sqrt(0.5) / 2))
    assert kendall == pytest.approx(0.5)  # (2/pi) asin(sqrt(0.5)) = 0.5
    assert kendall < spearman
    assert rank_ceilings(1.0) == pytest.approx((1.0, 1.0))


def test_noise_small_against_spread_exceeds_it():
    pool = {f"c{i}": 100.0 + 10 * i for i in range(10)}
    rep = {"c0": 101.0, "c3": 129.0, "c6": 161.0, "c9": 189.0}
    out = seed_noise(pool, [rep])
    assert out["seed_sd"] == pytest.approx(math.sqrt(0.5))  # every pair differs by 1: variance 0.5
    assert out["max_seed_difference"] == pytest.approx(1.0)
    assert out["spread_exceeds_noise"] is True
    assert 0.99 < out["noise_ceiling"] <= 1.0 and 0.9 < out["kendall_ceiling"] <= out["noise_ceiling"]
    assert out["reliability_low"] <= out["reliability"] <= out["reliability_high"]
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
