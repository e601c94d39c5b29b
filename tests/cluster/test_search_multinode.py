"""A whole search on a real two-node Ray: candidates spread over both nodes, and survive losing one.

The search runs as ``hyperprune search --address <head>`` in a subprocess with the cluster's
token, one CPU per candidate, so the two one-CPU nodes train two candidates at once. Tune's
storage is a local path; both nodes run on this machine, so either can read every checkpoint
(a real cluster needs shared storage, see cluster/README.md).

The second test kills the worker node while the search runs and must stay last in this module.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal

import pytest
from cluster_search import finish, node_ids, node_pids, start_search, wait_for

from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("dense-cache")


def _rows(out):
    try:
        return read_pool(out)
    except Exception:  # not written yet, or being replaced
        return []


def test_candidates_train_on_both_nodes(two_node_cluster, cache, tmp_path):
    nodes = node_ids(two_node_cluster)
    assert set(nodes) == {"node_a", "node_b"}
    out = tmp_path / "out"
    proc = start_search(two_node_cluster, out, cache, "--max-evals", "4", "--e0", "1", "--ei", "1",
                        "--final-epochs", "2", "--seed", "1")
    log = finish(proc, out, timeout_s=240)

    assert "(2 at a time)" in log  # two one-CPU nodes, one CPU per candidate
    rows = read_pool(out)
    result = json.loads((out / "result.json").read_text())
    assert result["winner"] is not None
    by_node = {name: sorted(r["candidate_id"] for r in rows if node_id in r["nodes"])
               for name, node_id in nodes.items()}
    print(f"candidates per node: {by_node}")
    print("rows:", [(r["candidate_id"], r["status"], r["epochs"], [n[:8] for n in r["nodes"]]) for r in rows])
    assert by_node["node_a"] and by_node["node_b"], "every node trained at least one candidate"
    assert {r["node_id"] for r in rows} <= set(nodes.values())
    assert len({r["node_id"] for r in rows}) == 2
    for r in rows:
        assert r["epochs"] == list(range(1, len(r["epochs"]) + 1))


def _progress(trial_dir):
    """``[(epoch, node_id), ...]`` in the order the trial reported them (Tune's progress.csv)."""
    with open(trial_dir / "progress.csv", newline="") as f:
        return [(int(float(row["epoch"])), row["node_id"]) for row in csv.DictReader(f)]


_DONE = ("eliminated", "finished", "winner", "error", "diverged")


def test_search_survives_losing_the_worker_node(two_node_cluster, cache, tmp_path):
    """node_b is killed once round 1 is decided and a surviving candidate has trained there.

    Whichever node each candidate lands on, the moment comes: either a survivor trained epoch 1
    on node_b (it is then paused, or resuming there), or one of the two finalists resumes on
    node_b for epochs 2..4 and is killed there after epoch 2. A candidate paused on node_b
    resumes on node_a from its checkpoint; one under way on node_b fails and is retried on
    node_a (--max-failures) from its last checkpoint. Either way its progress.csv shows epochs
    1..n once each, node_b's first and node_a's after, without starting over.
    """
    nodes = node_ids(two_node_cluster)
    out = tmp_path / "out"
    proc = start_search(two_node_cluster, out, cache, "--max-evals", "4", "--e0", "1", "--ei", "1",
                        "--final-epochs", "4", "--seed", "2", "--max-failures", "2")

    def survivor_on_b():
        rows = _rows(out)
        if not any(r["status"] == "eliminated" for r in rows):
            return None  # round 1 not decided yet
        return [r for r in rows if nodes["node_b"] in r["nodes"] and r["status"] not in _DONE]

    seen = wait_for(survivor_on_b, timeout_s=150, interval_s=0.1)
    assert seen, f"no surviving candidate reached node_b:\n{out.with_suffix('.log').read_text()[-3000:]}"
    pids = node_pids(two_node_cluster, 1)
    assert pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    before = {r["candidate_id"]: (list(r["epochs"]), r["epochs_trained"]) for r in _rows(out)}
    print(f"killed node_b ({len(pids)} processes) while {[r['candidate_id'] for r in seen]} "
          f"(trained there) was alive; epochs then: {before}")

    log = finish(proc, out, timeout_s=300)
    rows = read_pool(out)
    result = json.loads((out / "result.json").read_text())
    assert result["winner"] is not None
    name = {nodes["node_a"]: "a", nodes["node_b"]: "b"}
    print("rows:", [(r["candidate_id"], r["status"], r["epochs"], r["epochs_trained"],
                     [name[n] for n in r["nodes"]]) for r in rows])
    search_dir = out / "tune" / "search"
    for r in rows:
        assert r["status"] != "error"
        # no epoch recorded twice, none skipped, every one trained once
        assert r["epochs"] == list(range(1, len(r["epochs"]) + 1))
        assert r["epochs_trained"] == len(r["epochs"])
        if r["candidate_id"] in before:  # the count went on; it was not reset by the move
            assert r["epochs_trained"] >= before[r["candidate_id"]][1]
    assert sum(r["epochs_trained"] for r in rows) == result["epochs_spent"]

    moved = [r for r in rows if set(r["nodes"]) == set(nodes.values())]
    assert moved, "a candidate that trained on node_b went on on node_a"
    assert {r["candidate_id"] for r in seen} <= {r["candidate_id"] for r in moved}
    for r in moved:
        history = _progress(search_dir / f"cand-{r['candidate_id']}")
        print(f"{r['candidate_id']} epochs by node: {[(e, name[n]) for e, n in history]}")
        epochs = [e for e, _ in history]
        on = "".join(name[n] for _, n in history)
        # resumed from its last checkpoint: epochs run on without repeats; whatever moves happened
        # before the kill (candidates also move between rounds), it ended on the surviving node
        assert epochs == list(range(1, len(epochs) + 1)) == r["epochs"]
        last_b = on.rindex("b")
        assert 0 < len(on) - 1 - last_b == on[last_b + 1:].count("a")
        assert r["status"] in ("finished", "winner") and epochs[-1] == 4
    failed = sorted(p.parent.name for p in search_dir.glob("cand-*/error.txt"))
    print(f"moved to node_a: {[r['candidate_id'] for r in moved]}; trials retried after a failure: {failed}")
    for trial in failed:
        text = (search_dir / trial / "error.txt").read_text()
        assert text.startswith("Failure # 1") and "Failure # 3" not in text
        print(f"{trial}: {text.splitlines()[1][:150]}")
    print(log[-1200:])
