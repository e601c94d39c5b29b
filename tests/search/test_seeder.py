"""Pool seeding: waves no larger than the concurrency, duplicates trained once, reproducible."""

from ray.tune.search import Searcher

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.space import load_space, parse_space
from hyperprune.tune.seeder import PoolSeeder


def _seeder(space, hpo="tpe", max_evals=6, concurrency=2, seed=0):
    backend = SEARCHERS.get(hpo)(space, seed=seed, startup=2)
    return PoolSeeder(backend, max_evals=max_evals, concurrency=concurrency, e0=1, sparsity=0.67, seed=seed,
                      metric_key="ls_distance")


def _drain(seeder, score=lambda cfg: cfg["hparams"]["death_rate"]):
    """Run the seeder like Tune does: ask until it waits, report e0 for the launched ones."""
    launched, waves, n = [], [], 0
    while True:
        wave = []
        while True:
            n += 1
            cfg = seeder.suggest(f"t{n}")
            if cfg is None or cfg == Searcher.FINISHED:
                break
            wave.append((f"t{n}", cfg))
        if wave:
            waves.append(len(wave))
        for trial_id, cfg in wave:
            seeder.on_trial_result(trial_id, {"epoch": 1, "ls_distance": score(cfg)})
            launched.append(cfg)
        if cfg == Searcher.FINISHED:
            return launched, waves


def test_waves_respect_concurrency_and_learn_between_waves():
    launched, waves = _drain(_seeder(load_space("reference"), max_evals=6, concurrency=2))
    assert max(waves) <= 2
    assert sum(waves) == len(launched) <= 6
    assert [c["candidate_id"] for c in launched] == [f"c{i:03d}" for i in range(len(launched))]


def test_same_seed_same_pool_other_seed_other_pool():
    a, _ = _drain(_seeder(load_space("reference"), seed=4))
    b, _ = _drain(_seeder(load_space("reference"), seed=4))
    c, _ = _drain(_seeder(load_space("reference"), seed=5))
    assert a == b
    assert [x["hparams"] for x in a] != [x["hparams"] for x in c]


def test_a_space_smaller_than_max_evals_ends_the_pool_early():
    space = parse_space({"methods": {"dst": {"death": ["magnitude", "SET"], "death_rate": 0.5}}})
    seeder = _seeder(space, hpo="random", max_evals=8, concurrency=8)
    launched, _ = _drain(seeder, score=lambda cfg: 1.0)
    keys = {(c["method"], c["hparams"]["death"]) for c in launched}
    assert len(launched) == len(keys) == 2  # only two distinct candidates exist
    assert seeder.exhausted and seeder.proposals_made()
    assert all(d["token"] is None for d in seeder.duplicates)  # every duplicate got its score
    assert {d["duplicate_of"] for d in seeder.duplicates} == {c["candidate_id"] for c in launched}


def test_candidate_that_fails_before_e0_is_told_a_bad_score():
    seeder = _seeder(load_space("reference"), max_evals=2, concurrency=2)
    first = seeder.suggest("t1")
    seeder.on_trial_complete("t1", None)
    record = seeder.by_key[seeder.trial_key["t1"]]
    assert first is not None and record["score"] == float("inf")
    assert "t1" not in seeder.outstanding


def test_every_candidate_gets_the_master_seed_and_the_control_comes_first():
    backend = SEARCHERS.get("random")(load_space("reference"), seed=0, startup=2)
    seeder = PoolSeeder(backend, max_evals=4, concurrency=8, e0=1, sparsity=0.67, seed=11,
                        metric_key="ls_distance", control=True)
    first = seeder.suggest("t0")
    assert first["control"] is True and first["method"] == "dense" and first["candidate_id"] == "dense"
    others = [seeder.suggest(f"t{i}") for i in range(1, 5)]
    assert all(c["seed"] == 11 for c in [first, *others])
    assert [c["candidate_id"] for c in others] == ["c000", "c001", "c002", "c003"]
    assert seeder.suggest("t5") == Searcher.FINISHED  # the control is on top of max_evals
    seeder.on_trial_result("t0", {"epoch": 1, "ls_distance": 0.0})  # never told to the backend
    assert "t0" not in seeder.trial_key


def test_the_backend_learns_the_score_at_age_e0_not_before_the_clock_starts():
    # a rewinding candidate: two epochs of mask search (not rankable), then its clock starts
    seeder = _seeder(load_space("reference"), max_evals=1, concurrency=1)
    cfg = seeder.suggest("t1")
    key = seeder.trial_key["t1"]
    seeder.on_trial_result("t1", {"epoch": 1, "age": 0, "rankable": False, "ls_distance": 0.0})
    seeder.on_trial_result("t1", {"epoch": 2, "age": 0, "rankable": False, "ls_distance": 0.0})
    assert seeder.by_key[key]["score"] is None  # never learnt at the rewound weights
    seeder.on_trial_result("t1", {"epoch": 3, "age": 1, "rankable": True, "ls_distance": 4.5})
    assert cfg["candidate_id"] == "c000" and seeder.by_key[key]["score"] == 4.5
