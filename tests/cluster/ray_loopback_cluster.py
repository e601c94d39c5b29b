"""A real multi-node Ray cluster on this machine, started with the ``ray`` CLI, for tests.

Every node is a separate ``ray start`` with its own ``--temp-dir``, so the cluster never touches
``/tmp/ray`` (other Ray instances on the host keep their ``address="auto"``), and stopping it
kills only the processes it started: those whose command line names its temp dir, plus all
their descendants (workers and agents do not name the temp dir). ``ray stop`` is not used
because it stops every Ray on the machine. The head's Ray Client server names neither the temp
dir nor a parent it shares with the rest, only ``--address=IP:GCS_PORT``: it is found by that.

Token authentication is on, with a fresh token shared by every node through
``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN``; :meth:`LoopbackCluster.driver_env` gives the
same variables to a driver. Measured facts on Ray 2.60 that shape it:

- ``--node-ip-address=127.0.0.1`` is replaced by the host's routable address on Linux, and the
  GCS and raylet gRPC servers listen on all interfaces anyway; the dashboard does honour
  ``--dashboard-host=127.0.0.1`` and the Ray Client server binds the node address.
- The Ray Client server defaults to port 10001 for every head: each head here gets a free port.

Example::

    with LoopbackCluster([{"node_a": 1}, {"node_b": 1}]) as cluster:
        subprocess.run(["hyperprune", "search", "--address", cluster.address], env=cluster.driver_env())
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RAY_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "ray"


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ray_executable() -> str:
    found = shutil.which("ray")
    if RAY_BIN.exists():
        return str(RAY_BIN)
    if found:
        return found
    raise RuntimeError("the 'ray' command is not installed")


def process_tree(is_root) -> list[int]:
    """PIDs for which ``is_root(pid, argv)`` holds, and all their descendants (read from /proc)."""
    parents: dict[int, int] = {}
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        if is_root(pid, args):
            found.add(pid)
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found)


@dataclass
class LoopbackCluster:
    """Start a head and workers with ``ray start``; each entry of ``node_resources`` is one node.

    Attributes after :meth:`start`: ``address`` (GCS ``host:port``), ``dashboard_url``
    (``http://127.0.0.1:PORT``), ``token`` (the shared auth token), ``temp_dir``.
    """

    node_resources: list[dict[str, float]]
    num_cpus: int = 1
    start_timeout_s: float = 120.0
    address: str = ""
    gcs_port: int = 0
    dashboard_url: str = ""
    token: str = field(default_factory=lambda: secrets.token_hex(32))
    temp_dir: Path | None = None
    startup_seconds: list[float] = field(default_factory=list)

    def driver_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a process that joins or drives this cluster (token auth on)."""
        env = dict(os.environ if base is None else base)
        env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=self.token, RAY_USAGE_STATS_ENABLED="0")
        env.pop("RAY_AUTH_TOKEN_PATH", None)
        env.pop("RAY_ADDRESS", None)
        return env

    def _run_ray_start(self, args: list[str], log_name: str) -> None:
        assert self.temp_dir is not None
        log_path = self.temp_dir / log_name
        started = time.perf_counter()
        with open(log_path, "w") as log:
            proc = subprocess.run(
                [_ray_executable(), "start", *args, "--disable-usage-stats", "--log-style=record"],
                env=self.driver_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=self.start_timeout_s,
                start_new_session=True,
            )
        self.startup_seconds.append(time.perf_counter() - started)
        if proc.returncode != 0:
            tail = log_path.read_text()[-3000:]
            raise RuntimeError(f"'ray start {' '.join(args)}' failed ({proc.returncode}):\n{tail}")

    def start(self) -> LoopbackCluster:
        """Start every node; on failure, stop what was started and re-raise."""
        # Short path: Ray's unix socket paths must stay under about 107 characters.
        self.temp_dir = Path(tempfile.mkdtemp(prefix="hpr-", dir="/tmp"))
        try:
            port = self.gcs_port = free_port()
            dashboard_port = free_port()
            for index, resources in enumerate(self.node_resources):
                common = [
                    "--node-ip-address=127.0.0.1",
                    f"--num-cpus={self.num_cpus}",
                    "--num-gpus=0",
                    f"--resources={json.dumps(resources)}",
                    f"--temp-dir={self.temp_dir / f'node{index}'}",
                ]
                if index == 0:
                    head = [
                        "--head",
                        f"--port={port}",
                        "--dashboard-host=127.0.0.1",
                        f"--dashboard-port={dashboard_port}",
                        f"--ray-client-server-port={free_port()}",
                    ]
                    self._run_ray_start(head + common, "node0.log")
                    self.address = f"127.0.0.1:{port}"
                    self.dashboard_url = f"http://127.0.0.1:{dashboard_port}"
                else:
                    self._run_ray_start([f"--address={self.address}", *common], f"node{index}.log")
        except BaseException:
            self.stop()
            raise
        return self

    def own_pids(self) -> list[int]:
        """Processes of this cluster: those naming its temp dir and all their descendants."""
        if self.temp_dir is None:
            return []
        marker = str(self.temp_dir).encode()
        port_suffix = f":{self.gcs_port}".encode()

        def is_root(pid: int, args: list[bytes]) -> bool:
            names_port = self.gcs_port and any(
                arg.startswith(b"--address=") and arg.endswith(port_suffix) for arg in args
            )
            return (any(marker in arg for arg in args) or bool(names_port)) and pid != os.getpid()

        return process_tree(is_root)

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM this cluster's processes, SIGKILL what is left after ``grace_s``, drop the temp dir."""
        pids = self.own_pids()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline:
                pids = [pid for pid in pids if _alive(pid)]
                if not pids:
                    break
                time.sleep(0.2)
            if not pids:
                break
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> LoopbackCluster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
