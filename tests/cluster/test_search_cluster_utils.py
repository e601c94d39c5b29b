"""A search attached to a cluster built with ``ray.cluster_utils.Cluster`` (Ray's own multi-node
test cluster): a head and one worker, one CPU each, no custom resources, no token authentication.

The driver runs as a user's would, on a machine whose ``~/.ray/auth_token`` exists (any local Ray
started there wrote one). A driver that turned token mode on because of that file had every trial
actor "cancelled before it started running" on this cluster; it must keep the cluster's mode and
train candidates on both nodes. Forcing the mismatch (``RAY_AUTH_MODE=token``) must make the
search fail fast: exit status 3, one line naming the error, ``result.json`` status ``failed``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cluster_search import REPO, TINY

from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow

_RAY_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS")


@pytest.fixture(scope="module")
def plain_cluster():
    """Two one-CPU nodes of ``ray.cluster_utils.Cluster``, started without any auth variable."""
    from ray.cluster_utils import Cluster

    saved = {name: os.environ.pop(name, None) for name in _RAY_VARS}
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes(timeout=120)
        yield cluster
    finally:
        cluster.shutdown()
        os.environ.update({k: v for k, v in saved.items() if v is not None})


@pytest.fixture(scope="module")
def home_with_token(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text(secrets.token_hex(32))
    return home


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("dense-cache")


def _search(cluster, out, cache, home, extra_env=None, timeout_s=300, extra_args=()):
    args = [sys.executable, "-m", "hyperprune", "search", "--hpo", "random", "--max-evals", "4", "--e0", "1",
            "--ei", "1", "--final-count", "2", "--final-epochs", "2", "--address", cluster.address,
            "--out", str(out), "--cache-dir", str(cache), "--no-report", "--cpus-per-trial", "1",
            "--noise-floor-seeds", "2"]
    for item in TINY:
        args += ["--set", item]
    args += list(extra_args)
    env = {k: v for k, v in os.environ.items() if k not in _RAY_VARS}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), RAY_USAGE_STATS_ENABLED="0", **(extra_env or {}))
    return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)


def test_search_runs_to_a_winner_on_both_nodes(plain_cluster, home_with_token, cache, tmp_path):
    out = tmp_path / "out"
    done = _search(plain_cluster, out, cache, home_with_token)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "finished" and result["winner"] is not None
    assert result["first_error"] is None
    rows = read_pool(out)
    assert all(r["failures"] == 0 for r in rows), [(r["candidate_id"], r["error"]) for r in rows]
    nodes = {node.node_id for node in plain_cluster.list_all_nodes()}
    used = {n for r in rows for n in r["nodes"]}
    print("candidates per node:", {n[:8]: sorted(r["candidate_id"] for r in rows if n in r["nodes"]) for n in used})
    assert used == nodes, "candidates trained on both nodes"


def test_driver_in_token_mode_fails_fast_with_one_line(plain_cluster, home_with_token, cache, tmp_path):
    out = tmp_path / "out"
    done = _search(plain_cluster, out, cache, home_with_token, {"RAY_AUTH_MODE": "token"})
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()
    failed = [line for line in last if line.startswith("search failed:")]
    assert len(failed) == 1 and "cancelled before it started running" in failed[0]
    assert "RAY_AUTH_MODE" in failed[0]  # the hint names what to change
    assert "attempt 1 failed" in done.stdout
    assert "attempt 3 failed" not in done.stdout, "the search stopped instead of burning every retry"
    assert "Traceback" not in done.stdout + done.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "failed" and result["winner"] is None
    assert "cancelled before it started running" in result["first_error"]["error"]
    trace = result["first_error"]["trace"]
    assert trace.startswith(str(out / "tune" / "search")) and trace.endswith("error.txt")
    assert "cancelled before it started running" in Path(trace).read_text()  # the full trace stays there


def test_gpus_no_node_has_stop_the_search_before_training(plain_cluster, home_with_token, cache, tmp_path):
    out = tmp_path / "out"
    done = _search(plain_cluster, out, cache, home_with_token, timeout_s=120, extra_args=["--gpus-per-trial", "1"])
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    line = done.stderr.strip().splitlines()
    assert len(line) == 1 and "each candidate asks for 1 CPU, 1 GPU on one node" in line[0]
    assert "the largest of 2 node(s) has 1 CPU, 0 GPU" in line[0] and "no autoscaler" in line[0]
    assert not out.exists()  # refused once Ray answered: neither the directory nor its lock file is left
