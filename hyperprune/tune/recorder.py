"""Tune callbacks of the driver: the pool file, the saved round-1 pool, progress lines.

:class:`PoolRecorder` keeps one row per candidate from the results it sees, takes each row's
status from the scheduler's book, writes ``pool.parquet`` after every change, copies each
candidate's age-``e0`` checkpoint into ``OUT/pool/`` (the saved pool that ``--initial-pool``
continues from) and deletes the Tune checkpoints of excluded candidates. Its state is saved
with the experiment, so a resumed search keeps the history of epochs trained before.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pyarrow.fs import FileSelector
from ray.tune import Callback

from hyperprune.searching.halving import schedule
from hyperprune.searching.pool import POOL_FILE, empty_row, write_pool
from hyperprune.tune.failures import last_failure_text, one_line
from hyperprune.tune.noise_estimate import describe


def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value


def _seconds(result: dict) -> str:
    """`` (5.8 s)``: the candidate-epoch's own time, when Tune measured it."""
    seconds = _num(result.get("time_this_iter_s"))
    return f" ({seconds:.1f} s)" if seconds is not None else ""


class PoolRecorder(Callback):
    def __init__(self, out_dir: str, scheduler, *, e0: int, ei: int, final_count: int, final_epochs: int,
                 metric_key: str, max_evals: int, quiet: bool = False,
                 noise_floor: dict[int, float] | None = None,
                 floor_lookup: Callable[[int], float | tuple | None] | None = None,
                 noise_seeds: int | None = None) -> None:
        self.out_dir = str(out_dir)
        self.scheduler = scheduler
        self.e0, self.ei, self.final_count, self.final_epochs = e0, ei, final_count, final_epochs
        self.metric_key = metric_key
        self.max_evals = max_evals
        self.quiet = quiet
        self.noise_floor = {int(k): v for k, v in (noise_floor or {}).items() if v is not None}
        # the floor of an epoch the dense runs had not reached when the search started
        self.floor_lookup = floor_lookup  # (mean, spread over the noise-floor draws) at an epoch
        self.noise_seeds = noise_seeds
        self.rows: dict[str, dict] = {}
        self.rankable: dict[str, bool] = {}  # whether a candidate's last result could be ranked
        self.reported_at: dict[str, float] = {}
        self.rounds_printed = 0
        self.started = time.time()
        self.elapsed_before = 0.0

    def floor_at(self, epoch: int) -> float | None:
        lookup = getattr(self, "floor_lookup", None)  # absent in experiments saved by earlier versions
        if epoch not in self.noise_floor and lookup is not None:
            value = lookup(epoch)
            if value is not None:
                self.noise_floor[epoch] = value
        return self.noise_floor.get(epoch)

    # -- state ---------------------------------------------------------------------------------
    def get_state(self) -> dict:
        return {"rows": self.rows, "rounds_printed": self.rounds_printed,
                "elapsed": self.elapsed_before + time.time() - self.started}

    def set_state(self, state: dict) -> None:
        self.rows = state["rows"]
        self.rounds_printed = state["rounds_printed"]
        self.elapsed_before = state["elapsed"]
        self.started = time.time()

    # -- helpers -------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stdout, flush=True)

    def _row(self, trial) -> dict:
        if trial.trial_id not in self.rows:
            cfg = trial.config
            row = empty_row(cfg.get("candidate_id", trial.trial_id), trial.trial_id)
            row.update(method=cfg.get("method"), sparsity=cfg.get("sparsity"),
                       hparams=json.dumps(cfg.get("hparams", {}), sort_keys=True), seed=cfg.get("seed"),
                       pool_checkpoint=cfg.get("init_checkpoint"))
            self.rows[trial.trial_id] = row
        return self.rows[trial.trial_id]

    def epochs_spent(self) -> int:
        return sum(r["epochs_trained"] for r in self.rows.values())

    def _sync_status(self) -> None:
        book = self.scheduler.book
        for trial_id, row in self.rows.items():
            cand = book.candidates.get(trial_id)
            if cand is None:
                continue
            if cand.status in ("alive", "finalist", "finished"):
                if row["status"] not in ("finished", "winner"):
                    row["status"] = "finalist" if cand.status == "finalist" else (
                        "paused" if cand.waiting else "running")
            else:
                row["status"] = cand.status
                row["round_excluded"] = cand.round_excluded
                if getattr(cand, "error", None) and not row.get("error"):
                    row["error"] = cand.error
            row["rung_metrics"] = json.dumps({str(k): v for k, v in cand.rung_metrics.items()})

    def save(self) -> None:
        self._sync_status()
        write_pool(Path(self.out_dir) / POOL_FILE, list(self.rows.values()))

    # -- Tune hooks ----------------------------------------------------------------------------
    def on_trial_result(self, iteration, trials, trial, result, **info) -> None:
        row = self._row(trial)
        epoch = int(result.get("epoch", 0))
        if not hasattr(self, "rankable"):  # restored from an experiment saved before the fair clock
            self.rankable = {}
        self.rankable[trial.trial_id] = bool(result.get("rankable", True))
        if epoch not in row["epochs"]:
            row["epochs"] = row["epochs"] + [epoch]
            row["age"] = (row.get("age") or []) + [int(result.get("age", epoch))]
            row["cost_epochs"] = (row.get("cost_epochs") or []) + [_num(result.get("cost_epochs", 0.0))]
            row["val_loss"] = row["val_loss"] + [_num(result.get("val_loss"))]
            row["val_metric"] = row["val_metric"] + [_num(result.get("val_ppl", result.get("val_acc")))]
            row["ls_distance"] = row["ls_distance"] + [_num(result.get("ls_distance"))]
            row["weight_sparsity"] = row["weight_sparsity"] + [_num(result.get("sparsity"))]
            row["measured_sparsity"] = row["measured_sparsity"] + [_num(result.get("measured_sparsity"))]
            row["ls"] = row["ls"] + [list(result.get("ls") or [])]
            for name in ("method_passes", "train_s", "eval_s", "method_s", "ls_s"):
                row[name] = (row.get(name) or []) + [_num(result.get(name))]
            row["checkpoint_s"] = (row.get("checkpoint_s") or []) + [None]
            self.reported_at[trial.trial_id] = time.time()
            if not result.get("replayed"):
                row["epochs_trained"] += 1
        row.update(node_id=result.get("node_id"), node_ip=result.get("node_ip"), hostname=result.get("hostname"))
        if result.get("node_id") and result["node_id"] not in row["nodes"]:
            row["nodes"] = row["nodes"] + [result["node_id"]]
        if "test_loss" in result:
            row["test_loss"] = _num(result.get("test_loss"))
            row["test_metric"] = _num(result.get("test_ppl", result.get("test_accuracy")))
            row["final_val_loss"] = _num(result.get("val_loss"))
            row["final_val_metric"] = _num(result.get("val_ppl", result.get("val_acc")))
            row["status"] = "finished"
            (Path(self.out_dir) / "finalists").mkdir(exist_ok=True)
            report = result.get("sparsity_report")
            if report:
                path = Path(self.out_dir) / "finalists" / f"{row['candidate_id']}-sparsity.json"
                path.write_text(json.dumps(report, indent=2))
        self.save()
        self._progress(trial, result)

    def on_checkpoint(self, iteration, trials, trial, checkpoint, **info) -> None:
        row = self._row(trial)
        row["checkpoint"] = checkpoint.path
        reported = self.reported_at.pop(trial.trial_id, None)
        if reported is not None and row["checkpoint_s"]:
            # from the epoch's result to its saved checkpoint: the save and Tune's handling of it
            row["checkpoint_s"] = row["checkpoint_s"][:-1] + [time.time() - reported]
        age = row["age"][-1] if row.get("age") else None
        if age == self.e0 and self.rankable.get(trial.trial_id) and not row["pool_checkpoint"]:
            target = Path(self.out_dir) / "pool" / row["candidate_id"]
            target.mkdir(parents=True, exist_ok=True)
            checkpoint.to_directory(str(target))
            row["pool_checkpoint"] = str(target / "run.pt")
        self.save()

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        self._row(trial)
        self._sync_status()
        row = self.rows[trial.trial_id]
        if row["status"] in ("eliminated", "diverged", "error"):
            self._delete_checkpoints(trial)
            row["checkpoint"] = None
        self.save()

    def on_trial_recover(self, iteration, trials, trial, **info) -> None:
        # the worker died or step() raised; Tune retries it from its last checkpoint
        row = self._row(trial)
        row["failures"] = (row.get("failures") or 0) + 1
        self.save()

    def on_trial_error(self, iteration, trials, trial, **info) -> None:
        row = self._row(trial)
        row["failures"] = (row.get("failures") or 0) + 1
        trace = getattr(trial, "error_file", None)
        row["error"] = f"{one_line(last_failure_text(trace))} (full trace: {trace})"
        self.on_trial_complete(iteration, trials, trial)

    def _delete_checkpoints(self, trial) -> None:
        try:
            fs = trial.storage.storage_filesystem
            base = trial.storage.trial_fs_path
            for info in fs.get_file_info(FileSelector(base, allow_not_found=True)):
                if info.base_name.startswith("checkpoint_"):
                    fs.delete_dir(info.path)
        except Exception as exc:  # deleting is housekeeping; never fail a search over it
            self._say(f"  (could not delete checkpoints of {trial.trial_id}: {exc})")

    # -- progress ------------------------------------------------------------------------------
    def _plan(self) -> dict:
        """The halving's planned epochs; with several target sparsities, each level's pool halved alone."""
        levels = {}
        for row in self.rows.values():
            levels[row.get("sparsity")] = levels.get(row.get("sparsity"), 0) + 1
        if len([level for level in levels if level]) <= 1:
            return schedule(len(self.rows), self.e0, self.ei, self.final_count, self.final_epochs)
        plans = [schedule(n, self.e0, self.ei, self.final_count, self.final_epochs) for n in levels.values()]
        return {"epochs": sum(p["epochs"] for p in plans)}

    def _progress(self, trial, result) -> None:
        metric = result.get(self.metric_key)
        shown = f"{metric:.4g}" if isinstance(metric, float) and math.isfinite(metric) else "-"
        val = result.get("val_ppl", result.get("val_acc"))
        age, cost = result.get("age", result.get("epoch")), _num(result.get("cost_epochs")) or 0.0
        clock = f" (age {age}{f', cost {cost:.3g} epochs' if cost else ''})" if age != result.get("epoch") or cost else ""
        self._say(f"  {result.get('candidate_id')} epoch {result.get('epoch')}{clock}: "
                  f"{'val_ppl' if 'val_ppl' in result else 'val_acc'} {val:.4g}, {self.metric_key} {shown}"
                  f"{' (from saved pool)' if result.get('replayed') else _seconds(result)}"
                  f"{' DIVERGED' if result.get('diverged') else ''}")
        book = self.scheduler.book
        while self.rounds_printed < len(book.history):
            h = book.history[self.rounds_printed]
            self.rounds_printed += 1
            best_id, best = h["ranking"][0]
            spent = self.epochs_spent()
            plan = self._plan()
            elapsed = self.elapsed_before + time.time() - self.started
            remaining = max(0, plan["epochs"] - spent)
            eta = f", ETA {elapsed / spent * remaining / 60:.1f} min" if spent else ""
            floor = self.floor_at(int(h["epoch"]))
            floor_text = f", noise floor {describe(floor, getattr(self, 'noise_seeds', None))}" if floor is not None else ""
            level = f" at sparsity {h['level']:g}" if h.get("level") is not None else ""
            self._say(f"round {h['round'] + 1}{level} @ age {h['epoch']}: {len(h['ranking'])} ranked, "
                      f"kept {len(h['kept'])} ({', '.join(h['kept'])}); best {self.metric_key} "
                      f"{best:.4g} ({best_id}){floor_text}; {spent} epochs spent, {elapsed / 60:.1f} min{eta}")
