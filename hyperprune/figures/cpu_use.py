"""How much CPU a command, and every process on the machine, uses while the command runs.

Benchmarks that time a command read its CPU here, from ``/proc`` (Linux; elsewhere every figure
is None). :class:`MachineCPU` follows the whole machine: its busy CPU seconds (``/proc/stat``:
every core, every process, the kernel) from its start until :meth:`MachineCPU.stop`, and the CPU
seconds each process used meanwhile, summed by *kind*. A kind is named by patterns of the
process's command line (Ray names its workers ``ray::<task or actor>``, ``ray::IDLE`` between
tasks), checked in the order given: a process that matched an earlier kind once keeps it, so a
worker that ran a task and then idles stays with the task's kind. The followed command is its own kind; every other process (already
running, or of no kind) is ``other``.

The busy seconds divided by the cores are a floor under the wall time: no schedule finishes the
same work sooner on this machine.

Example::

    proc = subprocess.Popen(argv)
    machine = MachineCPU(proc.pid, [("workers", ("ray::Trainable",)), ("Ray", ("raylet", "ray::"))])
    proc.wait()
    use = machine.stop()   # {"busy_s": ..., "cores": ..., "by_kind": {"command": ..., "workers": ..., ...}}
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

#: seconds between two readings of every process (:class:`MachineCPU`; a scan reads each one's stat)
MACHINE_EVERY_S = 0.5
COMMAND = "command"
OTHER = "other"


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_seconds(pid: int) -> float | None:
    """The CPU seconds (user + system) of a running process; None when it is gone, a zombie, or
    there is no ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / _ticks()


def machine_busy_seconds() -> float | None:
    """The machine's busy CPU seconds since boot, all cores together (``/proc/stat``: every
    state but idle and waiting for I/O); None without ``/proc``."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, IndexError, ValueError):
        return None
    return (sum(values) - values[3] - values[4]) / _ticks()


class MachineCPU:
    """The machine's CPU while the process ``pid`` runs, by kind of process (see the module)."""

    def __init__(self, pid: int, kinds: list[tuple[str, tuple[str, ...]]]) -> None:
        self.pid = pid
        self.kinds = kinds
        self.start_busy = machine_busy_seconds()
        self.first: dict[int, float] = {}  # CPU seconds at the first reading (0 for a process started since)
        self.last: dict[int, float] = {}
        self.kind: dict[int, int] = {}  # index into the kinds (len(kinds): other)
        self.stopping = threading.Event()
        self._scan(initial=True)
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _kind_of(self, pid: int) -> int:
        if pid == self.pid:
            return -1
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return len(self.kinds)
        return next((i for i, (_, patterns) in enumerate(self.kinds) if any(p in line for p in patterns)),
                    len(self.kinds))

    def _scan(self, initial: bool = False) -> None:
        for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            seconds = process_seconds(pid)
            if seconds is None:
                continue
            if pid not in self.first:
                self.first[pid] = seconds if initial and pid != self.pid else 0.0
            elif seconds == self.last[pid]:
                continue  # idle since the last reading: its command line is what it was
            self.last[pid] = seconds
            if self.kind.get(pid, len(self.kinds)) > 0:  # may still match an earlier kind (a task started)
                self.kind[pid] = min(self.kind.get(pid, len(self.kinds)), self._kind_of(pid))

    def _follow(self) -> None:
        while not self.stopping.wait(MACHINE_EVERY_S):
            self._scan()

    def stop(self) -> dict:
        """Stop following; ``busy_s`` (the machine's busy CPU seconds since the start, None without
        ``/proc``), ``cores``, ``by_kind`` (CPU seconds per kind, the command first, then the kinds
        in their order, then ``other``) and ``unattributed_s`` (busy seconds no reading saw: the
        last moments of processes that ended between two readings, the kernel's own work)."""
        self.stopping.set()
        self.thread.join(timeout=10)
        end_busy = machine_busy_seconds()
        names = [COMMAND, *(name for name, _ in self.kinds), OTHER]
        by_kind = dict.fromkeys(names, 0.0)
        for pid, seconds in self.last.items():
            index = self.kind.get(pid, len(self.kinds))
            by_kind[names[index + 1]] += max(seconds - self.first[pid], 0.0)
        busy = None if self.start_busy is None or end_busy is None else end_busy - self.start_busy
        return {"busy_s": busy, "cores": os.cpu_count() or 1, "by_kind": by_kind,
                "unattributed_s": None if busy is None else max(busy - sum(by_kind.values()), 0.0)}
