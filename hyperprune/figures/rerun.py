"""Rerun the bench runs a table is made of, at the README's size, storing each output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hyperprune.errors import UserError
from hyperprune.figures.registry import Table


def rerun(table: Table, root: Path, results: Path, only: set[str] | None = None) -> None:
    """Run each of the table's bench runs (or those in ``only``) and store its JSON under ``results``.

    An output replaces the stored one only when its run exits 0.
    """
    results.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    )
    for run, argv in table.runs.items():
        if only is not None and run not in only:
            continue
        target, partial = results / f"{run}.json", results / f"{run}.json.partial"
        started = time.monotonic()
        print(f"# {table.name}/{run}: python {' '.join(argv)}", flush=True)
        code = subprocess.call([sys.executable, *argv, "--json", str(partial)], cwd=root, env=env)
        if code != 0:
            partial.unlink(missing_ok=True)
            raise UserError(f"{table.name}/{run}: the bench exited with status {code}")
        partial.replace(target)
        print(f"# {table.name}/{run}: stored {target} after {time.monotonic() - started:.0f} s", flush=True)
