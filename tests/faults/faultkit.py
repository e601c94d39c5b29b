"""Helpers of the fault tests: run the CLI as a user does, kill a driver and the Ray it started.

A driver is started in its own session (process group), so after a SIGKILL of the driver alone
the Ray processes it left behind can be found (its process group, its Ray session directory
``/tmp/ray/session_*_<driver pid>``, and its descendants recorded just before the kill) and
killed too, without touching any other Ray on the machine.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from hyperprune.errors import UserError
from hyperprune.searching.pool import read_pool

# A language model small enough that a whole search trains in well under a minute.
TINY = ["model.hidden_size=24", "model.emb_size=24", "train.max_batches=6", "train.max_eval_batches=4",
        "train.ls_steps=12", "train.ls_warmup=3"]
# 4 candidates, two rounds (4 -> 2 -> 1) at epochs 1 and 2, the finalist trained to epoch 3
SMALL = ["--hpo", "tpe", "--max-evals", "4", "--e0", "1", "--ei", "1", "--final-epochs", "3",
         "--final-count", "1", "--seed", "5"]


def env(**extra: str) -> dict[str, str]:
    values = dict(os.environ)
    values.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    values.update(extra)
    return values


def command(*args) -> list[str]:
    return [sys.executable, "-m", "hyperprune", *map(str, args)]


def run_cli(*args, timeout: float = 300, extra_env: dict | None = None,
            cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=timeout,
                          env=env(**(extra_env or {})), cwd=cwd)


def search_args(out, cache, *extra) -> list[str]:
    args = ["search", "--out", str(out), "--cache-dir", str(cache), "--no-dashboard", "--no-report", "--quiet",
            "--noise-floor-seeds", "2"]
    for item in TINY:
        args += ["--set", item]
    return args + [str(x) for x in extra]


def pool_rows(out) -> list[dict]:
    try:
        return read_pool(Path(out) / "pool.parquet")
    except UserError:
        return []


def _proc_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, process group) of ``pid``, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[2])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid in _proc_pids():
        st = _stat(pid)
        if st:
            children.setdefault(st[0], []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def ray_leftovers(driver_pid: int) -> set[int]:
    """Processes of the Ray a driver started: its process group and its session directory."""
    session = re.compile(rf"session_[0-9_-]+_{driver_pid}(/|\s|$)")
    found = set()
    for pid in _proc_pids():
        if pid == os.getpid():
            continue
        st = _stat(pid)
        if st and (st[1] == driver_pid or session.search(_cmdline(pid))):
            found.add(pid)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


class Driver:
    """A ``hyperprune`` process in its own session; ``kill()`` is a SIGKILL of it and its Ray."""

    def __init__(self, args: list, log: Path, extra_env: dict | None = None) -> None:
        self.log_path = log
        self.log = open(log, "ab")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(command(*args), stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env(**(extra_env or {})), start_new_session=True)

    def wait_until(self, predicate, timeout: float = 240, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the driver ended (rc {self.proc.returncode}) before {what}:\n"
                                     + self.log_path.read_text()[-3000:])
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def kill(self) -> None:
        """SIGKILL the driver, then every Ray process it left behind (and only those)."""
        pid = self.proc.pid
        before = descendants(pid)
        if self.proc.poll() is None:
            os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        victims = before | ray_leftovers(pid)
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(_alive(v) for v in victims) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.close()

    def wait(self, timeout: float = 300) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self.close()

    def close(self) -> None:
        if not self.log.closed:
            self.log.close()

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None or ray_leftovers(self.proc.pid):
            self.kill()
        self.close()
