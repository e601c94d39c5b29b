"""connect/shutdown against an embedded Ray, a dead address and a real two-node Ray on this machine."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import ray
from ray_loopback_cluster import free_port

from hyperprune.errors import UserError
from hyperprune.tune.session import (
    RaySession,
    begin_shutdown,
    cluster_nodes,
    connect,
    current_node,
    dashboard_headers,
    shutdown,
)

pytestmark = pytest.mark.slow


def _get_json(url: str, headers: dict[str, str] | None = None) -> dict:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _port_open(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def _connect_in_subprocess(address: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run connect() in a fresh interpreter, so auth settings cannot leak into this one."""
    code = (
        "import sys\n"
        "from hyperprune.errors import UserError\n"
        "from hyperprune.tune.session import connect, shutdown\n"
        "try:\n"
        f"    session = connect({address!r}, timeout_s=20)\n"
        "except UserError as exc:\n"
        "    print('USERERROR', exc)\n"
        "    sys.exit(2)\n"
        "print('NODES', len([r for r in session.resources if r.startswith('node_')]))\n"
        "shutdown(session)\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_local_ray_has_loopback_dashboard_and_stops():
    started = time.perf_counter()
    session = connect(None, num_cpus=1)
    elapsed = time.perf_counter() - started
    try:
        assert isinstance(session, RaySession) and session.is_local
        assert session.resources["CPU"] == 1.0
        assert session.dashboard_url.startswith("http://127.0.0.1:")
        version = _get_json(f"{session.dashboard_url}/api/version", dashboard_headers())
        assert version["ray_version"] == ray.__version__
        assert [node["node_id"] for node in cluster_nodes()] == [session.node_id]
        reused = connect(None)
        assert not reused.owned and reused.node_id == session.node_id
        shutdown(reused)
        assert ray.is_initialized(), "a reused connection is not closed by its borrower"
        print(f"local Ray with dashboard started in {elapsed:.1f} s")
    finally:
        shutdown(session)
    assert not ray.is_initialized()
    assert not _port_open(session.address), "the embedded GCS should be gone"


def test_background_shutdown_stops_the_embedded_ray_and_hands_on_its_failure(monkeypatch):
    from hyperprune.tune import session as session_module

    session = connect(None, num_cpus=1, dashboard=False)
    wait = begin_shutdown(session)
    wait()
    assert not ray.is_initialized()
    assert not _port_open(session.address), "the embedded GCS should be gone"

    def refuse(_session):
        raise RuntimeError("raylet did not stop")

    monkeypatch.setattr(session_module, "shutdown", refuse)
    with pytest.raises(RuntimeError, match="raylet did not stop"):
        begin_shutdown(session)()


def test_dead_address_is_one_line_user_error_quickly():
    address = f"127.0.0.1:{free_port()}"
    started = time.perf_counter()
    with pytest.raises(UserError) as caught:
        connect(address, timeout_s=5)
    assert time.perf_counter() - started < 10
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"no Ray cluster answers at {address}")
    assert not ray.is_initialized()


def test_ray_address_variable_means_attach(monkeypatch):
    """Inside `ray job submit` RAY_ADDRESS is set: no address means that cluster, not a new Ray."""
    address = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("RAY_ADDRESS", address)
    with pytest.raises(UserError, match=f"no Ray cluster answers at {address}"):
        connect(None, timeout_s=3)


@pytest.mark.parametrize("address", ["nonsense", "host:port", "ray://nowhere"])
def test_malformed_address_is_user_error(address):
    with pytest.raises(UserError, match="bad Ray address"):
        connect(address, timeout_s=2)


def test_resources_apply_only_to_local_ray():
    with pytest.raises(UserError, match="only a local Ray"):
        connect("127.0.0.1:6379", num_cpus=2)


def test_two_nodes_run_pinned_tasks(two_node_cluster):
    session = connect(two_node_cluster.address, timeout_s=30)
    try:
        assert not session.is_local
        assert session.resources["node_a"] == 1.0 and session.resources["node_b"] == 1.0
        nodes = cluster_nodes()
        assert len(nodes) == 2
        node_of = {
            name: n["node_id"] for n in nodes for name in ("node_a", "node_b") if name in n["resources"]
        }
        assert len(set(node_of.values())) == 2

        where = ray.remote(num_cpus=1)(current_node)
        for name in ("node_a", "node_b"):
            ran = ray.get(where.options(resources={name: 1}).remote(), timeout=120)
            assert ran["node_id"] == node_of[name]
            assert ran["node_ip"] and ran["hostname"] == socket.gethostname()
    finally:
        shutdown(session)
    assert not ray.is_initialized()
    assert _port_open(two_node_cluster.address), "disconnecting must leave the cluster running"


@ray.remote(num_cpus=0)
class DashboardProbe:
    """An actor the dashboard should list."""

    def ping(self) -> str:
        return "pong"


def test_dashboard_api_lists_actor_and_needs_token(two_node_cluster):
    session = connect(two_node_cluster.address, timeout_s=30)
    try:
        assert session.dashboard_url == two_node_cluster.dashboard_url
        probe = DashboardProbe.options(name="hyperprune-probe").remote()
        assert ray.get(probe.ping.remote(), timeout=60) == "pong"
        headers = dashboard_headers()
        assert headers["authorization"] == f"Bearer {two_node_cluster.token}"

        url = f"{session.dashboard_url}/api/v0/actors?limit=100"
        actors = _get_json(url, headers)["data"]["result"]["result"]
        names = {(a["class_name"], a.get("name"), a["state"]) for a in actors}
        assert ("DashboardProbe", "hyperprune-probe", "ALIVE") in names

        with pytest.raises(urllib.error.HTTPError) as refused:
            _get_json(url)
        assert refused.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as wrong:
            _get_json(url, {"authorization": "Bearer not-the-token"})
        assert wrong.value.code == 403
        ray.kill(probe)
    finally:
        shutdown(session)


def test_token_problems_are_user_errors(two_node_cluster):
    env = two_node_cluster.driver_env()
    wrong = _connect_in_subprocess(two_node_cluster.address, {**env, "RAY_AUTH_TOKEN": "0" * 64})
    assert wrong.returncode == 2, wrong.stderr[-2000:]
    line = wrong.stdout.strip().splitlines()[-1]
    assert "rejected this machine's auth token" in line and "ray get-auth-token" in line

    disabled = _connect_in_subprocess(two_node_cluster.address, {**env, "RAY_AUTH_MODE": "disabled"})
    assert disabled.returncode == 2, disabled.stderr[-2000:]
    assert "RAY_AUTH_MODE=disabled" in disabled.stdout


def test_token_is_sent_for_explicit_address_and_auto(two_node_cluster):
    """RAY_AUTH_MODE unset but a token present: connect() uses it, also for 'auto' via RAY_ADDRESS."""
    env = {k: v for k, v in two_node_cluster.driver_env().items() if k != "RAY_AUTH_MODE"}
    explicit = _connect_in_subprocess(two_node_cluster.address, env)
    assert explicit.returncode == 0, explicit.stdout + explicit.stderr[-2000:]
    assert "NODES 2" in explicit.stdout

    auto = _connect_in_subprocess("auto", {**env, "RAY_ADDRESS": two_node_cluster.address})
    assert auto.returncode == 0, auto.stdout + auto.stderr[-2000:]
    assert "NODES 2" in auto.stdout


def test_fixture_reports_startup_time(two_node_cluster):
    assert len(two_node_cluster.startup_seconds) == 2
    print("ray start seconds per node:", [round(s, 1) for s in two_node_cluster.startup_seconds])
    assert os.environ["RAY_AUTH_TOKEN"] == two_node_cluster.token


def test_job_driver_attaches_with_auto(two_node_cluster):
    """`ray job submit` through the dashboard, as cluster/README.md shows; the driver uses 'auto'."""
    code = (
        "from hyperprune.tune.session import cluster_nodes, connect, shutdown\n"
        "session = connect('auto')\n"
        "print('JOB-SEES', len(cluster_nodes()), session.is_local)\n"
        "shutdown(session)\n"
    )
    ray_cli = os.path.join(os.path.dirname(sys.executable), "ray")
    command = [
        ray_cli,
        "job",
        "submit",
        "--address",
        two_node_cluster.dashboard_url,
        "--",
        sys.executable,
        "-c",
        code,
    ]
    deadline = time.monotonic() + 120
    while True:  # the Jobs API answers "No available agent" until a node's agent has registered
        submitted = subprocess.run(
            command, env=two_node_cluster.driver_env(), capture_output=True, text=True, timeout=300
        )
        if "No available agent" not in submitted.stderr or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert submitted.returncode == 0, submitted.stdout[-2000:] + submitted.stderr[-2000:]
    assert "JOB-SEES 2 False" in submitted.stdout
