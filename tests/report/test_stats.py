"""Spearman's rho with average ranks for ties, against a hand computation and scipy."""

import math
import random

import pytest

from hyperprune.report.stats import average_ranks, finite_pairs, spearman


def test_average_ranks_share_ties():
    assert average_ranks([10, 30, 20, 30]) == [1.0, 3.5, 2.0, 3.5]
    assert average_ranks([7, 7, 7]) == [2.0, 2.0, 2.0]


def test_hand_example_with_a_tie():
    # y ranks: 1, 2, 3.5, 5, 3.5; x ranks 1..5 -> sum of products 8, variances 10 and 9.5.
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95))


def test_perfect_and_reversed_orders():
    assert spearman([1, 2, 3, 4], [10, 20, 40, 80]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [9, 5, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4], [10, 20, 40, 30]) == pytest.approx(0.8)


def test_missing_values_are_dropped_and_small_samples_undefined():
    assert finite_pairs([1, None, 3, math.nan], [1, 2, math.inf, 4]) == ([1.0], [1.0])
    assert spearman([1, None, 3, 4, 5], [2, 9, 6, 8, 10]) == pytest.approx(spearman([1, 3, 4, 5], [2, 6, 8, 10]))
    assert math.isnan(spearman([1, 2], [2, 1]))
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_matches_scipy_on_random_data_with_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(3)
    for _ in range(20):
        n = rng.randint(3, 30)
        xs = [rng.randint(0, 6) for _ in range(n)]
        ys = [rng.random() if rng.random() < 0.7 else 0.5 for _ in range(n)]
        expected = stats.spearmanr(xs, ys).statistic
        got = spearman(xs, ys)
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected, abs=1e-12)
