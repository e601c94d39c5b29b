"""A search over late-pruning methods and a dense control: like with like at every rung."""

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
  halo: {prune_at: [0.5, 1.0]}
  lottery: {prune_rate: [0.3, 0.5]}
  snip: {score_epoch: [0, 2]}
"""


@pytest.fixture(scope="module")
def mixed_search(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    (root / "space.yaml").write_text(SPACE)
    out = root / "out"
    code = main(search_args(out, root / "cache", "--hpo", "random", "--space", str(root / "space.yaml"),
                            "--max-evals", "6", "--e0", "1", "--ei", "1", "--final-count", "2",
                            "--final-epochs", "3", "--seed", "4"))
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


def test_every_ranked_candidate_is_at_its_target_at_every_rung(mixed_search):
    rows = [r for r in read_pool(mixed_search) if r["status"] != "control"]
    assert {r["method"] for r in rows} >= {"halo", "lottery"}
    for row in rows:
        for index in json.loads(row["rung_metrics"] or "{}"):
            epoch = 1 + int(index)  # e0 = ei = 1
            measured = row["measured_sparsity"][row["epochs"].index(epoch)]
            assert abs(measured - 0.67) <= 0.005, (row["candidate_id"], row["method"], epoch, measured)
        assert all(w >= m - 1e-12 for w, m in zip(row["weight_sparsity"], row["measured_sparsity"], strict=True))


def test_accounting_counts_the_dense_reference_and_names_the_metric(mixed_search):
    result = json.loads((mixed_search / "result.json").read_text())
    dense = result["dense_reference"]
    assert result["epochs_dense_reference"] == len(dense["epochs"]) + len(dense["noise_floor_epochs"])
    assert dense["noise_floor_epochs"] and max(dense["noise_floor_epochs"]) <= max(dense["epochs"])
    assert "metric_at_rungs" in result["winner"] and "ls_distance_at_rungs" not in result["winner"]
    assert result["pool_size"] == len([r for r in read_pool(mixed_search) if r["status"] != "control"])
