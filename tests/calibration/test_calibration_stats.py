"""Correlations, bootstrap intervals and top-k overlap of the calibration analysis."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from hyperprune.calibration.stats import correlation, correlation_with_interval, top_k_overlap


@pytest.mark.parametrize("seed", range(5))
def test_correlations_agree_with_scipy_including_ties(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=15).astype(float)  # many ties
    y = x + rng.normal(size=15)
    assert correlation("spearman", x, y) == pytest.approx(scipy_stats.spearmanr(x, y).statistic, abs=1e-12)
    assert correlation("kendall", x, y) == pytest.approx(scipy_stats.kendalltau(x, y).statistic, abs=1e-12)


def test_non_finite_pairs_are_dropped_and_too_few_give_nan():
    assert correlation("spearman", [1, 2, math.nan, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert math.isnan(correlation("kendall", [1, 2, None], [3, 1, 2]))
    out = correlation_with_interval("spearman", [1, math.nan], [1, 2], seed=0)
    assert out == {"value": None, "low": None, "high": None, "n": 1}


@pytest.mark.parametrize("kind", ["spearman", "kendall"])
@pytest.mark.parametrize("strength", [0.0, 0.5, 2.0])
def test_bootstrap_interval_contains_the_estimate_and_is_reproducible(kind, strength):
    rng = np.random.default_rng(7)
    x = rng.normal(size=24)
    y = strength * x + rng.normal(size=24)
    a = correlation_with_interval(kind, x, y, seed=3, samples=500)
    b = correlation_with_interval(kind, x, y, seed=3, samples=500)
    c = correlation_with_interval(kind, x, y, seed=4, samples=500)
    assert a == b
    assert (a["low"], a["high"]) != (c["low"], c["high"])
    assert a["low"] <= a["value"] <= a["high"]
    assert -1.0 <= a["low"] < a["high"] <= 1.0
    assert a["value"] == pytest.approx(correlation(kind, x, y))


def test_bootstrap_interval_narrows_with_more_candidates():
    rng = np.random.default_rng(0)
    widths = []
    for n in (12, 96):
        x = rng.normal(size=n)
        y = x + rng.normal(size=n)
        out = correlation_with_interval("spearman", x, y, seed=0, samples=400)
        widths.append(out["high"] - out["low"])
    assert widths[1] < widths[0] / 1.8


def test_top_k_overlap():
    final = [1, 2, 3, 4, 5, 6]
    assert top_k_overlap([10, 20, 30, 40, 50, 60], final, 2) == 1.0
    assert top_k_overlap([60, 50, 40, 30, 20, 10], final, 2) == 0.0
    assert top_k_overlap([1, 5, 2, 6, 3, 4], final, 2) == 0.5
    assert top_k_overlap([1, None, 2], [1, 2, math.nan], 2) == 1.0  # only candidate 0 has both
