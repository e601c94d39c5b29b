"""The random pool without Ray: the proposals, ids and seeds a calibration's seeder launches."""

import pytest

from hyperprune.config import preset
from hyperprune.errors import UserError
from hyperprune.searching.candidate_key import candidate_key
from hyperprune.searching.proposals import random_pool, space_sparsity


def test_max_evals_counts_distinct_candidates_in_proposal_order():
    pool = random_pool("reference", preset("tiny"), sparsity=None, seed=0, max_evals=26)
    assert len(pool) == 26
    assert [c["candidate_id"] for c in pool] == [f"c{i:03d}" for i in range(26)]
    assert len({candidate_key(c["method"], c["sparsity"], c["hparams"]) for c in pool}) == 26
    assert {c["method"] for c in pool} == {"dst"} and {c["seed"] for c in pool} == {0}
    assert {c["sparsity"] for c in pool} == {0.67}
    assert random_pool("reference", preset("tiny"), sparsity=None, seed=0, max_evals=5) == pool[:5]


def test_the_space_decides_the_sparsity_unless_it_is_given():
    assert space_sparsity("structured", None) == 0.5
    assert space_sparsity("structured", 0.8) == 0.8
    assert space_sparsity("all-methods", None) == 0.67
    with pytest.raises(UserError, match="neither a file nor a built-in space"):
        random_pool("nowhere", preset("tiny"), sparsity=None, seed=0, max_evals=3)
