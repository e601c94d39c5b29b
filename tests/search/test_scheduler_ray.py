"""The halving scheduler inside a real Ray Tune run, on scripted metric streams."""

import json
import math
import os
import time
from pathlib import Path

import pytest
from ray import tune
from ray.tune import CheckpointConfig, FailureConfig, RunConfig, TuneConfig

from hyperprune.tune.scheduler import SchedulerStateCallback, SyncHalvingScheduler

FINAL_EPOCHS = 4


class Scripted(tune.Trainable):
    """Reports a scripted score per epoch and logs every epoch it really trains."""

    def setup(self, config, streams=None, log_dir=None, delays=None):
        self.streams = streams
        self.delays = delays or {}
        self.log_dir = log_dir
        self.cid = config["candidate_id"]
        self.epoch = 0

    def step(self):
        self.epoch += 1
        time.sleep(self.delays.get(f"{self.cid}:{self.epoch}", 0.0))
        with open(Path(self.log_dir) / f"{self.cid}.log", "a") as f:
            f.write(f"{self.epoch}\n")
        with open(Path(self.log_dir) / "order.log", "a") as f:  # every trained epoch, in the order they end
            f.write(f"{self.cid}:{self.epoch}\n")
        score = self.streams[self.cid][self.epoch - 1]
        return {"epoch": self.epoch, "score": score, "diverged": not math.isfinite(score),
                "done": self.epoch >= FINAL_EPOCHS}

    def save_checkpoint(self, checkpoint_dir):
        marker = Path(self.log_dir) / "died"
        if f"{self.cid}:{self.epoch}" == self.delays.get("die_saving") and not marker.exists():
            marker.write_text(f"{self.cid} {self.epoch}")
            os._exit(3)  # the worker dies while the trial is being paused at its rung
        Path(checkpoint_dir, "state.json").write_text(json.dumps({"epoch": self.epoch}))

    def load_checkpoint(self, checkpoint_dir):
        self.epoch = json.loads(Path(checkpoint_dir, "state.json").read_text())["epoch"]

    def reset_config(self, new_config):
        self.cid = new_config["candidate_id"]
        self.epoch = 0
        return True


def _run(tmp_path, streams, final_count=2, e0=1, ei=1, delays=None, max_failures=0):
    scheduler = SyncHalvingScheduler(metric_key="score", e0=e0, ei=ei, final_count=final_count,
                                     final_epochs=FINAL_EPOCHS)
    trainable = tune.with_resources(tune.with_parameters(Scripted, streams=streams, log_dir=str(tmp_path),
                                                          delays=delays),
                                    {"cpu": 1})
    tuner = tune.Tuner(
        trainable,
        param_space={"candidate_id": tune.grid_search(sorted(streams))},
        tune_config=TuneConfig(scheduler=scheduler, reuse_actors=True),
        run_config=RunConfig(storage_path=str(tmp_path / "tune"), name="exp", verbose=0,
                             callbacks=[SchedulerStateCallback(scheduler)],
                             checkpoint_config=CheckpointConfig(num_to_keep=1),
                             failure_config=FailureConfig(max_failures=max_failures)),
    )
    tuner.fit()
    epochs = {cid: [int(x) for x in (tmp_path / f"{cid}.log").read_text().split()]
              for cid in streams if (tmp_path / f"{cid}.log").exists()}
    book = scheduler.book
    by_id = {c.candidate_id: c for c in book.candidates.values()}
    return book, by_id, epochs


@pytest.mark.slow
def test_halving_rounds_pause_and_resume_without_retraining(local_ray, tmp_path):
    # lower is better; c0 best overall, c5 diverges at epoch 1, c3 overtakes c2 at epoch 2
    streams = {
        "c0": [1.0, 1.0, 1.0, 1.0], "c1": [2.0, 2.5, 2.5, 2.5], "c2": [3.0, 3.5, 3.5, 3.5],
        "c3": [3.0, 2.0, 2.0, 2.0], "c4": [5.0] * 4, "c5": [math.nan] * 4,
    }
    book, cands, epochs = _run(tmp_path, streams)
    # round 1 ranks the 5 finite ones (c5 diverged), keeps 3 (ties c2/c3 broken by id)
    assert cands["c5"].status == "diverged"
    assert book.history[0]["kept"] == ["c0", "c1", "c2"]
    assert book.history[0]["excluded"] == ["c3", "c4"]
    assert book.history[1]["kept"] == ["c0", "c1"]
    # every epoch was trained exactly once: survivors resumed from checkpoints
    for cid, trained in epochs.items():
        assert trained == sorted(set(trained)), f"{cid} retrained an epoch: {trained}"
    assert epochs["c0"] == [1, 2, 3, 4] and epochs["c1"] == [1, 2, 3, 4]
    assert epochs["c2"] == [1, 2] and epochs["c3"] == [1] and epochs["c4"] == [1] and epochs["c5"] == [1]
    total = sum(len(v) for v in epochs.values())
    assert total == 6 + 3 * 1 + 2 * 2  # pool * e0 + survivors * ei + finalists to the end


@pytest.mark.slow
def test_final_count_reached_directly_when_pool_is_small(local_ray, tmp_path):
    streams = {"c0": [2.0] * 4, "c1": [1.0] * 4}
    book, _, epochs = _run(tmp_path, streams, final_count=2, e0=2)
    assert book.phase == "final"
    assert epochs == {"c0": [1, 2, 3, 4], "c1": [1, 2, 3, 4]}


@pytest.mark.slow
def test_a_free_worker_trains_on_a_candidate_the_round_keeps_before_its_last_result(local_ray, tmp_path):
    # 4 candidates on 2 workers, keep 2 at each rung; c3's first epoch is slow: with c0, c1, c2 in,
    # c0 keeps its place whatever c3 reports, so the free worker trains c0 on meanwhile
    streams = {"c0": [1.0] * 4, "c1": [2.0] * 4, "c2": [3.0] * 4, "c3": [0.5, 4.0, 4.0, 4.0]}
    book, cands, epochs = _run(tmp_path, streams, final_count=1, delays={"c3:1": 4.0})
    order = (tmp_path / "order.log").read_text().split()
    assert order.index("c0:2") < order.index("c3:1")
    # the decisions are those of the round without it: c3 ranks first at rung 1, then last
    assert [h["kept"] for h in book.history] == [["c3", "c0"], ["c0"]]
    assert cands["c0"].status == "finished" and cands["c0"].round_excluded is None
    assert epochs["c0"] == [1, 2, 3, 4] and epochs["c3"] == [1, 2]
    assert epochs["c1"] == [1] and epochs["c2"] == [1]


@pytest.mark.slow
def test_a_candidate_whose_worker_dies_while_it_pauses_at_the_rung_waits_there(local_ray, tmp_path):
    # c1's worker dies while c1 is being paused at rung 1; Tune requeues it and the scheduler parks
    # it again (through the controller, so that its books agree), and the search ends normally
    streams = {"c0": [1.0] * 4, "c1": [2.0] * 4, "c2": [3.0] * 4, "c3": [4.0] * 4}
    book, cands, epochs = _run(tmp_path, streams, final_count=1, delays={"die_saving": "c1:1"}, max_failures=2)
    assert (tmp_path / "died").exists()
    assert [h["kept"] for h in book.history] == [["c0", "c1"], ["c0"]]
    assert cands["c0"].status == "finished" and cands["c1"].round_excluded == 1
    assert epochs["c2"] == [1] and epochs["c3"] == [1]
