"""While a search runs on the two-node Ray, the dashboard's HTTP API shows its driver and trials.

The dashboard listens on 127.0.0.1 only and needs the cluster token (``Authorization: Bearer``):
without it the API answers 401. The search driver appears in ``/api/jobs/`` as a DRIVER job
(its process id is the search's), and the candidates' Tune actors in ``/api/v0/actors`` with the
job's id and the node they run on. Their class name is the one ``tune.with_resources`` gives its
wrapper, ``with_resources.<locals>.ResourceTrainable``, not ``CandidateTrainable``; Tune names no
actor, so the trial names (``cand-<id>``) are only in Tune's experiment directory and in
``pool.parquet``.
"""


from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from cluster_search import finish, get_json, node_ids, start_search, wait_for

from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow

TRAINABLE = "ResourceTrainable"  # tune.with_resources(CandidateTrainable, ...)


def test_dashboard_api_needs_the_token(two_node_cluster):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{two_node_cluster.dashboard_url}/api/jobs/", timeout=30)
    assert info.value.code == 401


def test_dashboard_shows_the_search_driver_and_its_trial_actors(two_node_cluster, tmp_path):
    cluster = two_node_cluster
    nodes = node_ids(cluster)
    out = tmp_path / "out"
    proc = start_search(cluster, out, tmp_path / "cache", "--max-evals", "4", "--e0", "1", "--ei", "1",
                        "--final-epochs", "2", "--seed", "4")
    try:
        def driver_job():
            if proc.poll() is not None:
                return None
            for job in get_json(cluster, "/api/jobs/"):
                if job.get("type") == "DRIVER" and str((job.get("driver_info") or {}).get("pid")) == str(proc.pid):
                    return job
            return None

        job = wait_for(driver_job, timeout_s=120, interval_s=0.5)
        assert job, "the search driver is listed as a job while it runs"
        assert job["status"] == "RUNNING"
        print(f"driver job {job['job_id']}: status {job['status']}, driver {job['driver_info']}")

        seen: dict[str, dict] = {}

        def trial_actors():
            if proc.poll() is not None:
                return True  # finished: stop polling, judge what was seen
            data = get_json(cluster, "/api/v0/actors?detail=true&limit=1000")["data"]["result"]["result"]
            for actor in data:
                if TRAINABLE in actor["class_name"] and actor["job_id"] == job["job_id"]:
                    seen[actor["actor_id"]] = actor
            alive = {a.get("node_id") for a in seen.values() if a["state"] == "ALIVE"}
            return len(alive) == 2  # one candidate on each node at the same time

        wait_for(trial_actors, timeout_s=150, interval_s=0.5)
    finally:
        finish(proc, out, timeout_s=240)

    assert seen, f"no {TRAINABLE} actor of the search's job was listed"
    for actor in seen.values():
        print(f"actor {actor['actor_id'][:8]} class {actor['class_name']} state {actor['state']} "
              f"node {'a' if actor.get('node_id') == nodes['node_a'] else 'b'} pid {actor['pid']} "
              f"name {actor.get('name')!r} repr {actor.get('repr_name')!r}")
    assert {a.get("node_id") for a in seen.values()} >= set(nodes.values())
    rows = read_pool(out)
    print("pool:", [(r["candidate_id"], r["status"], r["epochs"]) for r in rows])
    assert json.loads((out / "result.json").read_text())["winner"] is not None
    trial_dirs = sorted(p.name for p in (out / "tune" / "search").glob("cand-*"))
    assert trial_dirs == sorted(f"cand-{r['candidate_id']}" for r in rows)
