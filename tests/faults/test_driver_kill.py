"""A search whose driver is SIGKILLed while seeding, in a halving round and in final training,
then resumed each time, ends exactly like an uninterrupted search with the same seed."""

import json

import pytest
from faultkit import SMALL, Driver, pool_rows, run_cli, search_args

pytestmark = pytest.mark.slow

# longer epochs (about 1.5 s here) and a longer final phase so that each phase lasts long enough
# to be caught and killed in
SLOWER = [*SMALL, "--set", "train.max_batches=40", "--final-epochs", "5"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def straight(tmp_path_factory, cache):
    """The same search, never interrupted."""
    out = tmp_path_factory.mktemp("straight") / "out"
    done = run_cli(*search_args(out, cache, *SLOWER))
    assert done.returncode == 0, done.stderr
    return out


def _seeding(out):
    rows = pool_rows(out)
    return 0 < len(rows) < 4


def _halving(out):
    statuses = {r["status"] for r in pool_rows(out)}
    return "eliminated" in statuses and "finalist" not in statuses


def _final(out):
    return any(r["status"] == "finalist" for r in pool_rows(out))


def test_killed_three_times_then_resumed_gives_the_same_result(straight, cache, tmp_path):
    out = tmp_path / "out"
    log = tmp_path / "driver.log"
    phases = [("seeding", _seeding), ("a halving round", _halving), ("final training", _final)]
    for i, (what, reached) in enumerate(phases):
        args = search_args(out, cache, *SLOWER) if i == 0 else ["resume", out]
        with Driver(args, log) as driver:
            driver.wait_until(lambda reached=reached: reached(out), what=what)
            driver.kill()
        assert not (out / "result.json").exists(), f"the search finished before it was killed in {what}"
    done = run_cli("resume", out)
    assert done.returncode == 0, done.stderr + log.read_text()[-3000:]

    expected = json.loads((straight / "result.json").read_text())
    result = json.loads((out / "result.json").read_text())
    assert result["winner"] is not None
    for key in ("candidate_id", "method", "hparams", "val_loss", "test_loss", "val_metric", "test_metric"):
        assert result["winner"][key] == expected["winner"][key], key
    assert [f["candidate_id"] for f in result["finalists"]] == [f["candidate_id"] for f in expected["finalists"]]
    assert result["statuses"] == expected["statuses"]

    rows = {r["candidate_id"]: r for r in pool_rows(out)}
    ref_rows = {r["candidate_id"]: r for r in pool_rows(straight)}
    assert rows.keys() == ref_rows.keys()
    for cid, row in rows.items():
        # every epoch once and in order; the same epochs, losses and decisions as the straight run
        assert row["epochs"] == list(range(1, len(row["epochs"]) + 1)), (cid, row["epochs"])
        assert row["epochs"] == ref_rows[cid]["epochs"], cid
        assert row["val_loss"] == ref_rows[cid]["val_loss"], cid
        assert row["status"] == ref_rows[cid]["status"], cid
    assert sum(r["epochs_trained"] for r in rows.values()) == sum(r["epochs_trained"] for r in ref_rows.values())
    assert result["epochs_spent"] == expected["epochs_spent"]
