"""A front search (two target sparsities) whose driver is SIGKILLed in a halving round, then
resumed, ends with the same front as the same search never interrupted."""

import json

import pytest
from faultkit import SMALL, Driver, pool_rows, run_cli, search_args

pytestmark = pytest.mark.slow

FRONT = [*SMALL, "--max-evals", "3", "--sparsity", "0.5,0.8"]
TIMEOUT = 900  # a whole search, on a loaded machine


def _halving(out):
    statuses = {r["status"] for r in pool_rows(out)}
    return "eliminated" in statuses and "finished" not in statuses


def test_killed_in_a_round_then_resumed_gives_the_same_front(tmp_path):
    cache = tmp_path / "cache"
    straight = tmp_path / "straight"
    done = run_cli(*search_args(straight, cache, *FRONT), timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    with Driver(search_args(out, cache, *FRONT), tmp_path / "driver.log") as driver:
        driver.wait_until(lambda: _halving(out), timeout=TIMEOUT, what="a halving round")
        driver.kill()
    assert not (out / "result.json").exists()
    done = run_cli("resume", out, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr

    expected = json.loads((straight / "result.json").read_text())["front"]
    front = json.loads((out / "result.json").read_text())["front"]
    assert front["levels"] == expected["levels"] == [0.5, 0.8]
    for label, entry in expected["by_level"].items():
        for key in ("candidate_id", "method", "hparams", "val_loss", "test_loss", "kept_parameters"):
            assert front["by_level"][label][key] == entry[key], (label, key)
    assert front["non_dominated"] == expected["non_dominated"]
    assert front["epochs"]["per_level"] == expected["epochs"]["per_level"]
