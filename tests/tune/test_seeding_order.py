"""The pool a seed gives does not depend on which candidate reports first."""

import random

from ray.tune.search import Searcher

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.space import load_space
from hyperprune.tune.seeder import PoolSeeder


def _seed_pool(report_order_seed: int, hpo: str = "tpe") -> list[dict]:
    """Run the seeder like Tune does, reporting the running candidates' e0 scores in a shuffled order."""
    backend = SEARCHERS.get(hpo)(load_space("reference"), seed=7, startup=2)
    seeder = PoolSeeder(backend, max_evals=8, concurrency=3, e0=1, sparsity=0.67, seed=7, metric_key="ls_distance")
    shuffle = random.Random(report_order_seed)
    running, launched, n = [], [], 0
    while True:
        while True:
            n += 1
            cfg = seeder.suggest(f"t{n}")
            if not isinstance(cfg, dict):
                break
            running.append((f"t{n}", cfg))
            launched.append(cfg)
        if cfg == Searcher.FINISHED and not running:
            return launched
        assert running, "the seeder waits for nothing"
        trial_id, done = running.pop(shuffle.randrange(len(running)))  # any running candidate may finish first
        score = done["hparams"]["death_rate"] + (0.3 if done["hparams"]["growth"] == "random" else 0.0)
        seeder.on_trial_result(trial_id, {"epoch": 1, "ls_distance": score})


def test_same_pool_whatever_order_the_scores_arrive_in():
    pools = [_seed_pool(order) for order in range(4)]
    assert len(pools[0]) >= 4
    assert all(pool == pools[0] for pool in pools[1:])
