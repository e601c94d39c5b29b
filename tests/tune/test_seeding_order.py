"""The pool a seed gives does not depend on which candidate reports first."""

import random

from ray.tune.search import Searcher

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.space import load_space
from hyperprune.tune.seeder import PoolSeeder


def _score(cfg: dict) -> float:
    return cfg["hparams"]["death_rate"] + (0.3 if cfg["hparams"]["growth"] == "random" else 0.0)


def _seed_pool(report_order_seed: int, hpo: str = "tpe", seen: dict | None = None) -> list[dict]:
    """Run the seeder like Tune does, reporting the running candidates' e0 scores in a shuffled order.
    ``seen``: filled with the backend and, per launched candidate, how many scores the backend had
    learnt when it was proposed."""
    backend = SEARCHERS.get(hpo)(load_space("reference"), seed=7, startup=2)
    seeder = PoolSeeder(backend, max_evals=8, concurrency=3, e0=1, sparsity=0.67, seed=7, metric_key="ls_distance")
    if seen is not None:
        seen.update(backend=backend, seeder=seeder, known_at_proposal=[])
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
            if seen is not None:
                seen["known_at_proposal"].append(len(backend.completed))
        if cfg == Searcher.FINISHED and not running:
            return launched
        assert running, "the seeder waits for nothing"
        trial_id, done = running.pop(shuffle.randrange(len(running)))  # any running candidate may finish first
        seeder.on_trial_result(trial_id, {"epoch": 1, "ls_distance": _score(done)})


def test_same_pool_whatever_order_the_scores_arrive_in():
    pools = [_seed_pool(order) for order in range(4)]
    assert len(pools[0]) >= 4
    assert all(pool == pools[0] for pool in pools[1:])


def test_the_backend_learns_every_score_in_proposal_order_before_the_proposals_that_need_it():
    seen = {}
    launched = _seed_pool(0, seen=seen)
    backend, seeder = seen["backend"], seen["seeder"]
    learnt = {doc["tid"]: doc["result"]["loss"] for doc in backend.completed}
    by_cid = {cfg["candidate_id"]: cfg for cfg in launched}
    tokens = [(record["token"], by_cid[record["cid"]]) for record in (seeder.by_key[k] for k in seeder.order)]
    # every candidate's own proposal learnt exactly its score, in the order proposed
    assert [learnt.get(token) for token, _ in tokens] == [_score(cfg) for _, cfg in tokens]
    told_order = [doc["tid"] for doc in backend.completed if doc["tid"] in dict(tokens)]
    assert told_order == [token for token, _ in tokens]
    # the k-th proposal (from 0) was made knowing at least the first k - concurrency + 1 scores
    assert all(known >= k - 3 + 1 for k, known in enumerate(seen["known_at_proposal"]))
    assert max(seen["known_at_proposal"]) >= 2  # later proposals were made with scores learnt
