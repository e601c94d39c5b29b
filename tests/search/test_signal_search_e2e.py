"""A real search ranked by a signal that needs the whole rung (``rank``) and one that fits a
learning curve (``loss-extrapolation``): the scheduler's rounds hold the signal's scores."""

import json

import pytest
from search_helpers import random_search_args

from hyperprune.cli import main
from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signal", ["rank", "loss-extrapolation"])
def test_a_search_ranks_by_the_chosen_signal(tmp_path, signal):
    out = tmp_path / "out"
    code = main(
        random_search_args(
            out,
            tmp_path / "cache",
            "--metric",
            signal,
            "--seed",
            "3",
            max_evals=4,
            final_epochs=4,
            e0=3 if signal == "loss-extrapolation" else 1,
        )
    )
    assert code == 0
    rows = [r for r in read_pool(out) if r["status"] != "control"]
    first_round = {r["candidate_id"]: json.loads(r["rung_metrics"] or "{}").get("0") for r in rows}
    scores = sorted(v for v in first_round.values() if v is not None)
    assert len(scores) == 4
    if signal == "rank":  # mean ranks of 4 candidates: halves between 1 and 4, summing to 10
        assert all(1.0 <= s <= 4.0 and (2 * s) == int(2 * s) for s in scores) and sum(scores) == 10.0
    else:  # a prediction of the final loss from the first 3 epochs, not the loss at the rung itself
        by_id = {r["candidate_id"]: r for r in rows}
        at_rung = {cid: by_id[cid]["val_loss"][by_id[cid]["epochs"].index(3)] for cid in first_round}
        assert all(0.0 < s < 50.0 for s in scores)
        assert any(abs(first_round[cid] - at_rung[cid]) > 1e-6 for cid in first_round)
    result = json.loads((out / "result.json").read_text())
    assert result["metric"] == signal
