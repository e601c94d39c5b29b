"""The Ray-free producer trains what `hyperprune calibrate` trains: same candidates, seeds and figures."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from hyperprune.calibration.table import read_table
from hyperprune.cli import main

pytestmark = pytest.mark.slow

TINY = [
    "model.hidden_size=24",
    "model.emb_size=24",
    "train.max_batches=6",
    "train.max_eval_batches=4",
    "train.ls_steps=12",
    "train.ls_warmup=3",
]
EPOCHS = 2
ROOT = Path(__file__).resolve().parents[2]


def _producer():
    spec = importlib.util.spec_from_file_location("bench_produce_table", ROOT / "bench" / "produce_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("table")
    out = root / "cal"
    args = [
        "calibrate",
        "--out",
        str(out),
        "--cache-dir",
        str(root / "cache"),
        "--no-dashboard",
        "--quiet",
        "--no-report",
        "--max-evals",
        "3",
        "--epochs",
        str(EPOCHS),
        "--e0",
        "1",
        "--replicate-count",
        "2",
        "--bootstrap",
        "200",
    ]
    for item in TINY:
        args += ["--set", item]
    assert main(args) == 0
    produced = root / "produced.parquet"
    code = _producer().main(
        [
            "--space",
            "reference",
            "--preset",
            "tiny",
            "--epochs",
            str(EPOCHS),
            "--max-evals",
            "3",
            "--e0",
            "1",
            "--replicates",
            "2",
            "--replicate-count",
            "2",
            "--workers",
            "2",
            "--quiet",
            "--out",
            str(produced),
            "--runs-dir",
            str(root / "runs"),
            *[x for item in TINY for x in ("--set", item)],
        ]
    )
    assert code == 0
    return read_table(out), read_table(produced), root


def _close(a, b, rel):
    if a is None or b is None:
        return a is None and b is None
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.isnan(a) and math.isnan(b) or a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def test_calibrate_writes_a_table_whose_rows_the_producer_reproduces(tables):
    (cal_rows, cal_meta), (rows, meta), _ = tables
    key = lambda r: (r["role"], r["candidate_id"], r["seed"])  # noqa: E731
    assert sorted(map(key, cal_rows)) == sorted(map(key, rows))
    assert [r["role"] for r in cal_rows].count("candidate") == 3
    assert [r["role"] for r in cal_rows].count("replicate") == 2 and cal_meta["seeds"] == meta["seeds"] == [
        0,
        1,
    ]
    assert cal_meta["sparsity"] == meta["sparsity"] == 0.67 and cal_meta["e0"] == meta["e0"] == 1
    theirs = {key(r): r for r in cal_rows}
    for row in rows:
        other = theirs[key(row)]
        assert (row["method"], row["hparams"], row["sparsity"]) == (
            other["method"],
            other["hparams"],
            other["sparsity"],
        )
        assert row["epochs"] == other["epochs"] == list(range(1, EPOCHS + 1))
        for column in ("val_loss", "val_metric"):
            assert all(_close(a, b, 1e-9) for a, b in zip(row[column], other[column], strict=True)), column
        if row["role"] != "dense":
            for a, b in zip(row["ls_distance"], other["ls_distance"], strict=True):
                assert _close(a, b, 1e-6)
            assert _close(row["final_val_loss"], other["final_val_loss"], 1e-9)
            assert _close(row["test_loss"], other["test_loss"], 1e-9)
    for cid in {r["candidate_id"] for r in rows if r["role"] == "candidate"}:
        mine = next(r for r in rows if r["role"] == "candidate" and r["candidate_id"] == cid)
        their = theirs[("candidate", cid, 0)]
        for a, b in zip(mine["ls_distance_trajectory"], their["ls_distance_trajectory"], strict=True):
            assert _close(a, b, 1e-6)


def test_the_producer_imports_neither_ray_nor_a_model_based_searcher(tmp_path):
    import subprocess

    code = (
        "import sys, runpy; sys.argv = ['produce_table', '--smoke', '--quiet', '--workers', '1', '--out', "
        f"{str(tmp_path / 't.parquet')!r}]; "
        "import builtins; real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name.split('.')[0] in ('ray', 'hyperopt', 'optuna'): raise ImportError('blocked ' + name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        f"runpy.run_path({str(ROOT / 'bench' / 'produce_table.py')!r}, run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows, meta = read_table(tmp_path / "t.parquet")
    assert (
        meta["producer"] == "bench/produce_table.py"
        and len([r for r in rows if r["role"] == "candidate"]) == 3
    )


def test_a_rerun_reads_finished_runs_back_and_retrains_only_the_missing_one(tables):
    _, (rows, meta), root = tables
    stored = sorted((root / "runs").glob("*.pkl"))
    assert len(stored) == len(rows) == 7  # 3 candidates, 2 replicates, the dense run of each seed
    stored[0].unlink()  # a run the producer had not finished when it was killed
    again = root / "again.parquet"
    argv = [
        "--space", "reference", "--preset", "tiny", "--epochs", str(EPOCHS), "--max-evals", "3",
        "--e0", "1", "--replicate-count", "2", "--workers", "1", "--quiet", "--out", str(again),
        "--runs-dir", str(root / "runs"), *[x for item in TINY for x in ("--set", item)],
    ]  # fmt: skip
    assert _producer().main(argv) == 0
    rows_again, _ = read_table(again)
    key = lambda r: (r["role"], r["candidate_id"], r["seed"])  # noqa: E731
    first = {key(r): r for r in rows}
    # CPU seconds are measured anew by a retrained run, so equal seconds mean read back
    same = [r for r in rows_again if r["cpu_s"] == first[key(r)]["cpu_s"]]
    assert len(same) == len(rows) - 1 and len(list((root / "runs").glob("*.pkl"))) == len(rows)
    for r in rows_again:
        assert all(_close(a, b, 1e-9) for a, b in zip(r["val_loss"], first[key(r)]["val_loss"], strict=True))
