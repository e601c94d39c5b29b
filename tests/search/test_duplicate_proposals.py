"""Duplicate proposals: answered at once with the original's score, a fresh candidate trained
instead, --max-evals distinct candidates, the same pool whatever order the scores arrive in."""

import random

import pytest
from ray.tune.search import Searcher

from hyperprune.pruning.dst.method import DynamicSparseTraining
from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.space import parse_space
from hyperprune.tune.seeder import PoolSeeder, candidate_key

# ten distinct candidates: TPE, seeing a clear best, proposes it again and again
SMALL = {
    "methods": {"dst": {"death": ["magnitude", "SET"], "death_rate": {"low": 0.3, "high": 0.7, "step": 0.1}}}
}


def _score(cfg: dict) -> float:
    hp = cfg["hparams"]
    return abs(hp["death_rate"] - 0.5) + (0.0 if hp["death"] == "SET" else 1.0)


def _seed(hpo="tpe", seed=1, order=0, max_evals=6, concurrency=2):
    """Seed a pool like Tune does, the running candidates reporting in a shuffled order; returns
    (launched configs, seeder, for each suggest call that met a duplicate: what it returned)."""
    backend = SEARCHERS.get(hpo)(parse_space(SMALL), seed=seed, startup=2)
    seeder = PoolSeeder(
        backend,
        max_evals=max_evals,
        concurrency=concurrency,
        e0=1,
        sparsity=0.67,
        seed=seed,
        metric_key="ls_distance",
    )
    shuffle = random.Random(order)
    running, launched, answers, n = [], [], [], 0
    while True:
        while True:
            n += 1
            before = len(seeder.duplicates)
            cfg = seeder.suggest(f"t{n}")
            if len(seeder.duplicates) > before:
                answers.append(cfg)
            if not isinstance(cfg, dict):
                break
            running.append((f"t{n}", cfg))
            launched.append(cfg)
        if cfg == Searcher.FINISHED and not running:
            return launched, seeder, answers
        trial_id, done = running.pop(shuffle.randrange(len(running)))
        seeder.on_trial_result(trial_id, {"epoch": 1, "ls_distance": _score(done)})


@pytest.mark.parametrize("hpo, seed", [("tpe", 1), ("optuna", 6)])  # seeds that meet duplicates
def test_max_evals_distinct_candidates_and_every_duplicate_answered(hpo, seed):
    launched, seeder, answers = _seed(hpo, seed=seed)
    keys = [candidate_key(c["method"], 0.67, c["hparams"]) for c in launched]
    assert len(launched) == len(set(keys)) == 6
    assert seeder.duplicates and seeder.asked == 6 + len(seeder.duplicates)
    # the call that met a duplicate did not wait: it returned a fresh candidate to train
    assert answers and all(isinstance(cfg, dict) for cfg in answers)
    # each duplicate was told its original's score (never trained, never left pending)
    assert all(d["token"] is None for d in seeder.duplicates)
    assert not seeder.backend.pending
    originals = {c["candidate_id"]: c for c in launched}
    assert {d["duplicate_of"] for d in seeder.duplicates} <= set(originals)
    for dup in seeder.duplicates:
        original = originals[dup["duplicate_of"]]
        assert candidate_key(dup["method"], 0.67, dup["hparams"]) == keys[launched.index(original)]


def test_duplicates_do_not_change_the_pool_whatever_order_the_scores_arrive_in():
    pools = [_seed("tpe", order=order)[0] for order in range(4)]
    assert all(pool == pools[0] for pool in pools[1:])
    assert _seed("tpe", order=0)[1].duplicates  # the order test met duplicates


def test_duplicates_are_keyed_on_the_effective_hyperparameters(monkeypatch):
    # a method whose death rate could not change what it does: only the two death criteria differ
    monkeypatch.setattr(
        DynamicSparseTraining,
        "effective_hparams",
        classmethod(lambda cls, hp: {k: v for k, v in hp.items() if k != "death_rate"}),
    )
    launched, seeder, _ = _seed("tpe", max_evals=4)
    assert sorted(c["hparams"]["death"] for c in launched) == ["SET", "magnitude"]
    assert seeder.exhausted and seeder.proposals_made()  # the space ran out before --max-evals
