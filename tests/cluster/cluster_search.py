"""Running a tiny search against a :class:`LoopbackCluster` and looking at it from outside.

- :func:`start_search` runs ``hyperprune search --address <cluster>`` in a subprocess with the
  cluster's token. The model is the TINY one of tests/search but an epoch has 30 batches instead
  of 6 (a few seconds): a fresh worker on the second node needs several seconds to start, and
  with shorter epochs Tune hands every candidate to the already warm actor on the first node.
- :func:`node_ids` maps each node's custom resource (``node_a``, ``node_b``) to its Ray node id,
  read from the dashboard's HTTP API with the token header.
- :func:`node_pids` lists the processes of one node (its raylet, agents and workers), so a test
  can kill that node alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ray_loopback_cluster import LoopbackCluster, process_tree

REPO = Path(__file__).resolve().parents[2]
TINY = ["model.hidden_size=24", "model.emb_size=24", "train.max_batches=30", "train.max_eval_batches=4",
        "train.ls_steps=12", "train.ls_warmup=3"]


def search_command(cluster: LoopbackCluster, out: Path, cache: Path, *extra: str) -> list[str]:
    args = [sys.executable, "-m", "hyperprune", "search", "--address", cluster.address, "--out", str(out),
            "--cache-dir", str(cache), "--no-report", "--cpus-per-trial", "1", "--noise-floor-seeds", "2"]
    for item in TINY:
        args += ["--set", item]
    return args + list(extra)


def start_search(cluster: LoopbackCluster, out: Path, cache: Path, *extra: str) -> subprocess.Popen:
    """Start the search; its output (stdout and stderr together) goes to ``out``'s sibling ``.log``."""
    log = open(out.with_suffix(".log"), "w")  # noqa: SIM115 - closed when the process is collected
    return subprocess.Popen(search_command(cluster, out, cache, *extra), env=cluster.driver_env(), cwd=REPO,
                            stdout=log, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, out: Path, timeout_s: float) -> str:
    """Wait for the search; return its output, failing with the output's tail if it did not succeed."""
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    text = out.with_suffix(".log").read_text()
    assert proc.returncode == 0, f"search exited with {proc.returncode}:\n{text[-4000:]}"
    return text


def get_json(cluster: LoopbackCluster, path: str):
    request = urllib.request.Request(f"{cluster.dashboard_url}{path}",
                                     headers={"Authorization": f"Bearer {cluster.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def node_ids(cluster: LoopbackCluster) -> dict[str, str]:
    """``{"node_a": id, "node_b": id}`` for the alive nodes, from ``/api/v0/nodes``."""
    found = {}
    for node in get_json(cluster, "/api/v0/nodes?limit=100")["data"]["result"]["result"]:
        if node["state"] != "ALIVE":
            continue
        for name in node["resources_total"]:
            if name.startswith("node_"):
                found[name] = node["node_id"]
    return found


def node_pids(cluster: LoopbackCluster, index: int) -> list[int]:
    """Processes of node ``index``: those naming its temp dir, and their descendants."""
    assert cluster.temp_dir is not None
    marker = str(cluster.temp_dir / f"node{index}").encode()
    return process_tree(lambda pid, args: any(a.endswith(marker) or marker + b"/" in a for a in args))


def wait_for(predicate, timeout_s: float, interval_s: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    return None
