"""A search over rewinding and non-rewinding methods and a dense control: like with like at every
rung, on the fair clock (every candidate ranked at the same age since its last rewind)."""

import json

import pytest
from search_helpers import search_args

from hyperprune.cli import main
from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow

SPACE = """
name: control-mix
sparsity: 0.67
methods:
  dense: {}
  dst: {sparse_init: [uniform, ER]}
  halo: {prune_epoch: [1, 2]}
  lottery: {prune_rate: [0.3, 0.5]}
  magsign: {score_epoch: [1, 2], rewind: true}
"""


@pytest.fixture(scope="module")
def mixed_search(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    (root / "space.yaml").write_text(SPACE)
    out = root / "out"
    args = search_args(out, root / "cache", "--hpo", "random", "--space", str(root / "space.yaml"),
                       "--max-evals", "6", "--e0", "1", "--ei", "1", "--final-count", "2",
                       "--final-epochs", "2", "--seed", "4")
    code = main(args)
    assert code == 0
    return out


def test_the_control_sits_on_the_reference_far_below_the_noise_floor(mixed_search):
    result = json.loads((mixed_search / "result.json").read_text())
    rows = {r["candidate_id"]: r for r in read_pool(mixed_search)}
    control = rows["dense"]
    assert control["status"] == "control" and control["method"] == "dense"
    assert result["winner"]["candidate_id"] != "dense"
    assert all(f["candidate_id"] != "dense" for f in result["finalists"])
    floor = dict(zip(result["dense_reference"]["epochs"], result["dense_reference"]["noise_floor"], strict=True))
    ranked = [r for r in rows.values() if r["status"] != "control"]
    rungs = sorted({1 + int(i) for r in ranked for i in json.loads(r["rung_metrics"] or "{}")})  # e0 = ei = 1
    assert control["epochs"] and set(rungs) <= set(control["epochs"])
    for epoch, distance in zip(control["epochs"], control["ls_distance"], strict=True):
        assert floor[epoch] is not None and floor[epoch] > 0
        assert distance < 0.05 * floor[epoch], (epoch, distance, floor[epoch])
    assert result["control"]["ls_distance"] == control["ls_distance"]


def test_halo_cannot_be_ranked_at_e0_1_and_leaves_the_space(mixed_search):
    rows = read_pool(mixed_search)
    assert "halo" not in {r["method"] for r in rows}


def _ranked_measurements(row):
    """(age, epoch, cost, sparsity, val_loss) of every measurement a rung ranked (the last of that age)."""
    out = []
    for index in json.loads(row["rung_metrics"] or "{}"):
        age = 1 + int(index)  # e0 = ei = 1
        at = len(row["age"]) - 1 - row["age"][::-1].index(age)
        out.append((age, row["epochs"][at], row["cost_epochs"][at], row["measured_sparsity"][at], at))
    return out


def test_every_ranked_candidate_is_at_its_target_and_its_age_at_every_rung(mixed_search):
    rows = [r for r in read_pool(mixed_search) if r["status"] != "control"]
    assert {r["method"] for r in rows} >= {"lottery", "magsign", "dst"}
    for row in rows:
        assert len(row["age"]) == len(row["epochs"]) == len(row["cost_epochs"])
        for age, epoch, cost, measured, _ in _ranked_measurements(row):
            assert abs(measured - 0.67) <= 0.005, (row["candidate_id"], row["method"], age, measured)
            # the measurement ranked at age a is the a-th epoch after the last rewind: epochs before it are cost
            assert epoch - age == int(cost), (row["candidate_id"], row["method"], epoch, age, cost)
        assert all(w >= m - 1e-12 for w, m in zip(row["weight_sparsity"], row["measured_sparsity"], strict=True))


def test_no_ticket_is_ranked_at_its_rewound_weights(mixed_search):
    rows = [r for r in read_pool(mixed_search) if r["method"] in ("lottery", "magsign")]
    assert rows
    for row in rows:
        ranked = _ranked_measurements(row)
        assert ranked and all(age >= 1 for age, *_ in ranked)
        rewinds = [e for e, a in zip(row["epochs"], row["age"], strict=True) if a == 0]
        assert rewinds, row["candidate_id"]  # the rewind was measured (age 0) but never ranked
        first_age, first_epoch, cost, _, _ = min(ranked)
        assert first_age == 1 and first_epoch == max(rewinds) + 1 and cost >= 1
        if row["method"] == "lottery":  # prune_rate 0.3: 4 rounds, 0.5: 2 rounds, one epoch each
            rounds = 4 if row["hparams_dict"]["prune_rate"] == 0.3 else 2
            assert cost == rounds and max(rewinds) == rounds
        else:
            assert cost == row["hparams_dict"]["score_epoch"]
        # the finalists trained to age final_epochs, every epoch of it counted
        if row["status"] in ("finished", "winner"):
            assert row["age"][-1] == 2 and row["epochs_trained"] == row["epochs"][-1]


def test_dst_trains_from_init_at_no_cost(mixed_search):
    for row in read_pool(mixed_search):
        if row["method"] == "dst":
            assert row["age"] == row["epochs"] and set(row["cost_epochs"]) == {0.0}


def test_accounting_counts_the_dense_reference_and_names_the_metric(mixed_search):
    result = json.loads((mixed_search / "result.json").read_text())
    dense = result["dense_reference"]
    draws = dense["noise_floor_seeds"]
    assert result["epochs_dense_reference"] == len(dense["epochs"]) + draws * len(dense["noise_floor_epochs"])
    assert dense["noise_floor_epochs"] and max(dense["noise_floor_epochs"]) <= max(dense["epochs"])
    assert "metric_at_rungs" in result["winner"] and "ls_distance_at_rungs" not in result["winner"]
    rows = read_pool(mixed_search)
    assert result["pool_size"] == len([r for r in rows if r["status"] != "control"])
    # every trained epoch is counted, those before a candidate's clock started included
    assert result["epochs_spent"] == sum(len(r["epochs"]) for r in rows)
    assert result["epochs_spent"] > sum(r["age"][-1] for r in rows)
