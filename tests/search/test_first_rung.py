"""Narrowing a space for its first rung: methods that prune without rewinding prune before it."""

import pytest

from hyperprune.errors import UserError
from hyperprune.searching.first_rung import narrow_to_first_rung
from hyperprune.searching.space import parse_space

SPACE = {
    "name": "mix",
    "methods": {
        "halo": {"prune_epoch": {"low": 1, "high": 4}},
        "magsign": {"score_epoch": {"low": 0, "high": 3}, "rewind": [False, True]},
        "snip": {"score_epoch": [0, 2], "rewind": False},
        "lottery": {"prune_rate": [0.2, 0.5]},
        "random": {"score_epoch": [1, 3]},
    },
}


def narrowed(e0):
    lines = []
    space = narrow_to_first_rung(parse_space(SPACE), e0, log=lines.append)
    return space, lines


def test_e0_1_removes_halo_fixes_unrewound_masks_at_init_and_says_so():
    space, lines = narrowed(1)
    assert space.method_names == ["magsign", "snip", "lottery", "random"]
    assert lines == [
        "search space: halo removed: it prunes without rewinding and its prune_epoch is at least 1 (declared low 1), "
        "so that a candidate that prunes without rewinding is pruned and trained at least one epoch by the first "
        "rung (--e0 1)",
        "search space: magsign.score_epoch at most 0 where rewind is false (was 3), so that a candidate that prunes "
        "without rewinding is pruned and trained at least one epoch by the first rung (--e0 1)",
        "search space: snip.score_epoch at most 0 (was 2), so that a candidate that prunes without rewinding is "
        "pruned and trained at least one epoch by the first rung (--e0 1)",
    ]
    methods = {m.method: m for m in space.methods}
    assert (
        methods["snip"].params["score_epoch"].kind == "fixed"
        and methods["snip"].params["score_epoch"].value == 0
    )
    # rewinding configurations keep their score epochs; unrewound ones are repaired to the bound
    assert methods["magsign"].params["score_epoch"].high == 3
    rewound = space.repaired({"method": "magsign", "hparams": {"score_epoch": 3, "rewind": True}})
    unrewound = space.repaired({"method": "magsign", "hparams": {"score_epoch": 3, "rewind": False}})
    assert rewound["hparams"]["score_epoch"] == 3 and unrewound["hparams"]["score_epoch"] == 0
    # rewinding methods are never narrowed
    assert (
        methods["lottery"] == parse_space(SPACE).methods[3]
        and methods["random"] == parse_space(SPACE).methods[4]
    )


def test_a_later_first_rung_narrows_less():
    space, lines = narrowed(3)
    methods = {m.method: m for m in space.methods}
    assert methods["halo"].params["prune_epoch"].high == 2 and methods["snip"].params[
        "score_epoch"
    ].choices == (0, 2)
    assert len(lines) == 2 and lines[0].startswith("search space: halo.prune_epoch at most 2 (was 4)")
    assert narrowed(5)[1] == []


def test_nothing_rankable_is_one_clear_error():
    with pytest.raises(UserError, match="no method can be ranked at --e0 1"):
        narrow_to_first_rung(parse_space({"name": "h", "methods": {"halo": "auto"}}), 1)
