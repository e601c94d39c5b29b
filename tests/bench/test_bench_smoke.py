"""Every script under bench/ runs at its --smoke size; a table's bench output renders with its renderer.

The benches are discovered by listing ``bench/*.py``, so a new bench without ``--smoke`` fails here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hyperprune.figures.registry import tables

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(path.name for path in (ROOT / "bench").glob("*.py"))

pytestmark = pytest.mark.slow


def _tables_fed_by(bench: str) -> dict:
    """{table name: (table, [its run names that this bench produces])}"""
    fed = {}
    for name, table in tables().items():
        runs = [run for run, argv in table.runs.items() if argv[0] == f"bench/{bench}"]
        if runs:
            fed[name] = (table, runs)
    return fed


def test_benches_are_found():
    assert {"ls_fidelity.py", "ls_speed.py", "search_cost.py"} <= set(BENCHES)


@pytest.mark.parametrize("bench", BENCHES)
def test_bench_runs_at_smoke_size(bench, tmp_path):
    fed = _tables_fed_by(bench)
    output = tmp_path / "figures.json"
    argv = [sys.executable, str(ROOT / "bench" / bench), "--smoke", *(["--json", str(output)] if fed else [])]
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), HYPERPRUNE_CACHE=str(tmp_path / "cache"), RAY_AIR_NEW_OUTPUT="0"
    )
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=850)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    if not fed:
        return
    record = json.loads(output.read_text())
    assert record["smoke"] is True and record["rows"]
    assert record["command"] == f"python bench/{bench} --smoke"
    assert record["machine"]["cores"] >= 1 and record["machine"]["torch_threads"] >= 1
    for table, runs in fed.values():
        rendered = table.render(dict.fromkeys(table.runs, record))
        assert rendered.strip() and f"python bench/{bench} --smoke" in rendered
        assert all(run in table.runs for run in runs)
