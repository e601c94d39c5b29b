"""The seeder learns across target sparsities where its searcher does that well (Optuna): what
scores well at one level shapes the proposals at another; hyperopt's TPE is seeded per level,
so its proposals at a level depend only on that level's scores (a synthetic objective, the
real searchers)."""

import statistics

import pytest

from hyperprune.searching.searchers.across_levels import level_quantile
from hyperprune.searching.searchers.level_seeding import seeding_backend
from hyperprune.searching.space import parse_space
from hyperprune.tune.seeder import PoolSeeder

SPACE = {"methods": {"dst": {"death_rate": {"low": 0.1, "high": 0.9}}}}
LEVELS = (0.5, 0.8)


def _proposals(hpo: str, good_rate: float, n: int = 24) -> list[dict]:
    """Seed ``n`` candidates one at a time; at 0.5 the score is the distance of death_rate from
    ``good_rate``, at 0.8 every candidate scores the same (that level alone teaches nothing)."""
    backend = seeding_backend(hpo, parse_space(SPACE), seed=3, concurrency=1, per_level=n // 2, levels=LEVELS)
    seeder = PoolSeeder(
        backend, max_evals=n, concurrency=1, e0=1, sparsity=LEVELS[0], seed=0, metric_key="ls_distance"
    )
    configs = []
    for i in range(n):
        config = seeder.suggest(f"t{i}")
        if not isinstance(config, dict):  # the rest of the proposals were duplicates
            break
        configs.append(config)
        rate = config["hparams"]["death_rate"]
        score = abs(rate - good_rate) if config["sparsity"] == 0.5 else 1.0
        seeder.on_trial_result(f"t{i}", {"epoch": 1, "ls_distance": score})
    return configs


def test_proposals_at_one_level_follow_scores_at_another():
    high = _proposals("optuna", good_rate=0.85)
    low = _proposals("optuna", good_rate=0.15)
    assert {c["sparsity"] for c in high[:4]} == set(LEVELS)  # levels in turn
    # the proposals at 0.8 before any score was known are the same; later ones follow what 0.5 taught
    late = slice(8, None)
    at_08_high = [c["hparams"]["death_rate"] for c in high[late] if c["sparsity"] == 0.8]
    at_08_low = [c["hparams"]["death_rate"] for c in low[late] if c["sparsity"] == 0.8]
    assert at_08_high != at_08_low
    assert statistics.mean(at_08_high) > statistics.mean(at_08_low) + 0.2


def test_hyperopt_is_seeded_per_level():
    high = _proposals("tpe", good_rate=0.85)
    low = _proposals("tpe", good_rate=0.15)

    def at(configs, level):
        return [c["hparams"] for c in configs if c["sparsity"] == level]

    assert at(high, 0.8) == at(low, 0.8)
    assert at(high, 0.5) != at(low, 0.5)


def test_scores_are_told_as_quantiles_within_their_level():
    assert level_quantile(5.0, [5.0]) == 0.5
    assert level_quantile(1.0, [3.0, 2.0, 1.0]) == pytest.approx(1 / 6)
    assert level_quantile(float("inf"), [1.0, float("inf")]) == 1.0
