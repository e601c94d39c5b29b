"""The dense reference's worker dies mid-search: the search recovers (the task is retried in the
resources set aside for it, and the record it republishes from the start never replaces the
longer one); a dense run that stops making progress ends the search in one line naming it."""

import json

import pytest
from faultkit import SMALL, run_cli, search_args

from hyperprune.tune.dense_reference import FAULT_ENV

pytestmark = pytest.mark.slow


def test_dense_reference_worker_killed_mid_search_recovers(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "killed"
    # the reference's worker exits abruptly before its epoch 2, which the candidates wait for at rung 2
    args = [
        a for a in search_args(out, tmp_path / "cache", *SMALL, "--noise-floor-seeds", "2") if a != "--quiet"
    ]
    done = run_cli(*args, extra_env={FAULT_ENV: f"reference:2:{marker}"}, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert marker.is_file(), "the fault was not injected"
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "finished" and result["winner"] is not None
    dense = result["dense_reference"]
    assert dense["epochs"] == [1, 2, 3] and dense["noise_floor_seeds"] == 2
    # the floor at each rung is the mean of both draws, with their spread
    for i, per_seed in enumerate(zip(*dense["noise_floor_per_seed"], strict=True)):
        if None not in per_seed:
            assert dense["noise_floor"][i] == pytest.approx(sum(per_seed) / 2)
            assert dense["noise_floor_sd"][i] == pytest.approx(abs(per_seed[0] - per_seed[1]) / 2**0.5)
    assert dense["noise_floor"][:2] and None not in dense["noise_floor"][:2]
    # every round line that shows a floor shows the final one: it never went backwards
    rounds = [line for line in done.stdout.splitlines() if line.startswith("round ")]
    assert len(rounds) == 2
    record = json.loads((out / "dense_reference.json").read_text())["record"]
    assert record["epochs"] == [1, 2, 3] and len(record["ls"]) == 3


def test_a_stalled_dense_run_fails_the_search_in_one_line(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "hung"
    args = [
        a
        for a in search_args(
            out, tmp_path / "cache", *SMALL, "--noise-floor-seeds", "1", "--dense-progress-timeout", "30"
        )
        if a != "--quiet"
    ]
    done = run_cli(*args, extra_env={FAULT_ENV: f"reference:2:hang:{marker}"}, timeout=900)
    assert marker.is_file(), "the fault was not injected"
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    failed = [line for line in done.stdout.splitlines() if line.startswith("search failed:")]
    assert len(failed) == 1, done.stdout[-3000:]
    line = failed[0]
    assert line.startswith("search failed: dense reference ") and "published no new epoch for" in line
    assert "--dense-progress-timeout (30 s)" in line
    assert "Traceback" not in done.stdout + done.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "failed" and result["winner"] is None
    assert result["stopped_early"] == line.removeprefix("search failed: ")
    assert not (out / "dense_reference.json").exists()  # nothing half-trained is kept as the reference
