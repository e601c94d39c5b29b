"""A search over three target sparsities on the tiny preset: one dense reference for all of
them, a winner per level measured at its own target, the front in result.json, the report
(opened in a real browser where Chromium is installed) and ``export --level``."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from search_helpers import search_args

from hyperprune.report import write_report

LEVELS = (0.5, 0.67, 0.8)
CHROMIUM = Path("/usr/bin/chromium")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "hyperprune", *map(str, args)], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def front_search(tmp_path_factory):
    root = tmp_path_factory.mktemp("front")
    out, cache = root / "out", root / "cache"
    done = _cli(
        *search_args(
            out,
            cache,
            "--sparsity",
            ",".join(map(str, LEVELS)),
            "--max-evals",
            "3",
            "--final-count",
            "1",
            "--e0",
            "1",
            "--ei",
            "1",
            "--final-epochs",
            "3",
            "--seed",
            "2",
        )
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out, cache, json.loads((out / "result.json").read_text())


def test_one_dense_reference_serves_every_level(front_search):
    out, cache, result = front_search
    assert len(list(cache.glob("dense-*"))) == 1
    epochs = result["front"]["epochs"]
    assert epochs["dense_reference"] == result["epochs_dense_reference"] > 0
    assert epochs["one_search_per_level"] == epochs["candidates"] + 3 * epochs["dense_reference"]
    assert set(epochs["per_level"]) == {"0.5", "0.67", "0.8"}
    assert sum(v["spent"] for v in epochs["per_level"].values()) == result["epochs_spent"] - _control_epochs(
        out
    )
    assert all(v["spent"] < v["full"] for v in epochs["per_level"].values())


def _control_epochs(out):
    from hyperprune.searching.pool import read_pool

    return sum(r["epochs_trained"] for r in read_pool(out) if r["status"] == "control")


def test_a_winner_per_level_at_its_own_target(front_search):
    out, _, result = front_search
    from hyperprune.searching.pool import read_pool

    rows = read_pool(out)
    assert sorted(r["sparsity"] for r in rows if r["status"] == "winner") == list(LEVELS)
    assert sorted({r["sparsity"] for r in rows if r["status"] != "control"}) == list(
        LEVELS
    )  # the pool's levels
    front = result["front"]
    assert front["levels"] == list(LEVELS)
    for label, level in zip(("0.5", "0.67", "0.8"), LEVELS, strict=True):
        w = front["by_level"][label]
        assert w["sparsity"] == level
        assert abs(w["measured_sparsity"] - level) <= 0.005
        assert 0 < w["kept_parameters"] < w["total_parameters"]
        assert w["val_metric"] > 0 and w["test_metric"] > 0
        assert (out / w["weights"]).is_file() and (out / w["export"]).stat().st_size == w["export_bytes"]
    kept = [front["by_level"][k]["kept_parameters"] for k in ("0.5", "0.67", "0.8")]
    assert kept == sorted(kept, reverse=True)
    assert front["non_dominated"] and set(front["non_dominated"]) <= {
        p["candidate_id"] for p in front["points"]
    }
    assert result["winner"]["sparsity"] == 0.8  # the search's winner: the one at the highest level


def test_export_chooses_the_level(front_search, tmp_path):
    out, _, result = front_search
    done = _cli("export", out, "--level", "0.67", "--out", tmp_path / "m.pt", "--json", "--sparse")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["nonzero_parameters"] < json.loads(done.stdout)["parameters_pruned_model"]
    wrong = _cli("export", out, "--level", "0.7", "--out", tmp_path / "x.pt")
    assert wrong.returncode == 2 and "0.5, 0.67, 0.8" in wrong.stderr and not (tmp_path / "x.pt").exists()


def test_the_report_shows_the_front(front_search, tmp_path):
    out, _, result = front_search
    index = write_report(out)
    page = index.read_text()
    assert "Front: quality against size" in page and (index.parent / "front.png").stat().st_size > 5000
    for label in ("0.5", "0.67", "0.8"):
        winner = result["front"]["by_level"][label]["candidate_id"]
        assert re.search(rf"<td>{re.escape(label)}</td>\s*<td>{winner}</td>", page), label
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    shot = tmp_path / "front.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            f"--screenshot={shot}",
            "--window-size=1280,2400",
            index.as_uri(),
        ],
        capture_output=True,
        timeout=50,
    )
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
