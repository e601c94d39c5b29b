"""The overhead benchmark's reading of the search process's own CPU seconds."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BURN = "import time\nwhile time.process_time() < 0.5:\n    pass\ntime.sleep(1.0)\n"


@pytest.fixture(scope="module")
def overhead():
    spec = importlib.util.spec_from_file_location("search_overhead", ROOT / "bench" / "search_overhead.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_cpu_seconds_of_the_process_itself_are_read_until_it_ends(overhead):
    proc = subprocess.Popen([sys.executable, "-c", BURN])
    cpu = overhead.ProcessCPU(proc.pid)
    proc.wait(timeout=60)
    cpu.thread.join(timeout=10)
    assert not cpu.thread.is_alive()
    assert 0.45 <= cpu.seconds <= 1.0  # the half second it burnt, and its interpreter's start


def test_a_process_that_is_gone_reads_as_unknown(overhead):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    cpu = overhead.ProcessCPU(proc.pid)
    cpu.thread.join(timeout=10)
    assert cpu.seconds is None
