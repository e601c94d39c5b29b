"""Repairing an experiment snapshot that a killed driver left half-copied."""

import json
import os
import time

import ray.cloudpickle as cloudpickle

from hyperprune.tune.restore import repair_experiment

STAMP, OLDER = "2026-01-01_10-00-05", "2026-01-01_10-00-00"


def _snapshot(folder, stamp, trial_ids, searcher=b"ok"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"experiment_state-{stamp}.json").write_text(json.dumps({"trials": trial_ids}))
    (folder / f"searcher-state-{stamp}.pkl").write_bytes(cloudpickle.dumps({"searcher": searcher}))
    (folder / f"callback-states-{stamp}.pkl").write_bytes(cloudpickle.dumps({"rows": trial_ids}))
    (folder / f"search_gen_state-{stamp}.json").write_bytes(cloudpickle.dumps({"counter": len(trial_ids)}))


def _staging(tmp_path, session, stamp, trial_ids, searcher=b"ok"):
    folder = tmp_path / "ray" / session / "artifacts" / stamp / "search" / "driver_artifacts"
    _snapshot(folder, stamp, trial_ids, searcher)
    return folder


def test_half_copied_snapshot_is_completed_from_its_own_staging_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    experiment = tmp_path / "out" / "tune" / "search"
    _snapshot(experiment, STAMP, ["a1", "a2"])
    (experiment / f"searcher-state-{STAMP}.pkl").write_bytes(b"")  # the kill hit the copy here
    mine = _staging(tmp_path, "session_1", STAMP, ["a1", "a2"], searcher=b"complete")
    time.sleep(0.01)
    # another experiment's staging copy with the same stamp, newer: must not be taken
    _staging(tmp_path, "session_2", STAMP, ["b1"], searcher=b"someone else")
    assert repair_experiment(experiment, log=lambda _: None)
    repaired = experiment / f"searcher-state-{STAMP}.pkl"
    assert repaired.read_bytes() == (mine / repaired.name).read_bytes()
    assert cloudpickle.loads(repaired.read_bytes()) == {"searcher": b"complete"}


def test_damaged_newest_snapshot_falls_back_to_the_previous_one(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    experiment = tmp_path / "search"
    _snapshot(experiment, OLDER, ["a1"])
    _snapshot(experiment, STAMP, ["a1", "a2"])
    (experiment / f"experiment_state-{STAMP}.json").write_text("")
    said = []
    assert repair_experiment(experiment, log=said.append)
    assert sorted(p.name for p in experiment.glob("experiment_state-*")) == [f"experiment_state-{OLDER}.json"]
    assert (experiment / "damaged-snapshots" / f"experiment_state-{STAMP}.json").exists()
    assert len(said) == 1 and "damaged" in said[0]


def test_no_intact_snapshot_means_nothing_to_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    experiment = tmp_path / "search"
    _snapshot(experiment, STAMP, ["a1"])
    os.truncate(experiment / f"callback-states-{STAMP}.pkl", 3)
    assert not repair_experiment(experiment, log=lambda _: None)
    assert not list(experiment.glob("experiment_state-*"))


def test_search_without_an_intact_snapshot_starts_again_cleanly(tmp_path, monkeypatch):
    from hyperprune.config import preset
    from hyperprune.searching.options import SearchOptions
    from hyperprune.tune.driver import Search

    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    out = tmp_path / "out"
    experiment = out / "tune" / "search"
    _snapshot(experiment, STAMP, ["a1"])
    (experiment / f"experiment_state-{STAMP}.json").write_text("")
    (experiment / "tuner.pkl").write_bytes(b"tuner")
    (out / "pool").mkdir()
    (out / "pool.parquet").write_bytes(b"stale")
    search = Search(SearchOptions(out=str(out), quiet=True), out, preset("tiny"))
    assert not search._restorable(str(experiment))
    assert not experiment.exists() and (out / "tune" / "search-abandoned-1" / "tuner.pkl").exists()
    assert not (out / "pool.parquet").exists() and not (out / "pool").exists()
