"""The CPU a command and the machine's processes use while it runs, read from /proc."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from hyperprune.figures.cpu_use import COMMAND, OTHER, MachineCPU, machine_busy_seconds, process_seconds

ROOT = Path(__file__).resolve().parents[2]
#: burns half a second of CPU, then idles long enough to be read once more
BURN = "import time\nwhile time.process_time() < 0.5:\n    pass\ntime.sleep(1.2)\n"

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads /proc")


def test_the_command_is_its_own_kind_and_the_machine_was_at_least_that_busy():
    proc = subprocess.Popen([sys.executable, "-c", BURN])
    machine = MachineCPU(proc.pid, [("marked", ("no-such-process-title",))])
    proc.wait(timeout=60)
    use = machine.stop()
    assert not machine.thread.is_alive()
    assert list(use["by_kind"]) == [COMMAND, "marked", OTHER]
    assert 0.45 <= use["by_kind"][COMMAND] <= 1.0  # the half second it burnt, and its interpreter's start
    assert use["by_kind"]["marked"] == 0.0
    assert use["busy_s"] >= use["by_kind"][COMMAND] - 0.02
    assert use["cores"] >= 1 and use["unattributed_s"] >= 0.0


def test_a_process_started_meanwhile_is_counted_under_the_first_kind_its_command_line_matches():
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(4)"])
    machine = MachineCPU(parent.pid, [("burner", ("cpu-use-burner",)), ("python", ("python",))])
    child = subprocess.Popen([sys.executable, "-c", BURN, "cpu-use-burner"])
    child.wait(timeout=60)
    parent.wait(timeout=60)
    use = machine.stop()
    assert 0.4 <= use["by_kind"]["burner"] <= 1.0  # matched both kinds: the first one given
    assert use["by_kind"][COMMAND] < 0.3  # the sleeping parent
    assert use["busy_s"] >= use["by_kind"]["burner"] - 0.02


def test_a_process_that_is_gone_reads_as_none():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    assert process_seconds(proc.pid) is None
    assert machine_busy_seconds() > 0


def test_the_overhead_bench_turns_the_cpu_into_a_floor_under_the_wall_time():
    spec = importlib.util.spec_from_file_location("search_overhead", ROOT / "bench" / "search_overhead.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = [{"timestamp": 100.0 + 10 * i, "time_this_iter_s": 10.0} for i in range(4)]  # 40 s of work
    lines = [(1.0, "seeding 4 candidates with tpe (2 at a time), ranking by ls")]
    cpu = {"busy_s": 110.0, "cores": 2, "unattributed_s": 1.0,
           "by_kind": {COMMAND: 9.0, "candidate workers": 90.0, OTHER: 10.0}}
    figures = bench.analyse(60.0, lines, 90.0, rows, 0.0, (None, None), cpu)
    assert figures["ideal"] == pytest.approx(20.0)  # 40 s of candidate work on 2 workers
    assert figures["search_cpu"] == pytest.approx(100.0)  # the machine's busy seconds less other processes'
    assert figures["cpu_floor"] == pytest.approx(50.0)
    assert figures["cpu_floor_ratio"] == pytest.approx(2.5)
    assert figures["driver_cpu"] == pytest.approx(9.0)
    assert figures["busy_share"] == pytest.approx(110.0 / 120.0)
