"""A synchronous successive-halving ``TrialScheduler`` for Ray Tune that pauses, never retrains.

Every candidate trains to the current rung and is PAUSED there (Tune checkpoints it and frees
its resources). When the pool is complete and every live candidate has reported the rung, the
better half is kept: losers are stopped, winners resume from their checkpoints. A worker
that would wait for a round's last results trains on a candidate the round keeps whatever they
are (:meth:`~hyperprune.searching.halving.HalvingBook.clearable`). Once
``final_count`` remain they train on to age ``final_epochs`` without pausing. Rungs are ages
(epochs since a candidate's last prune-and-rewind event), read from each result's ``age``.

Ray does not save schedulers with an experiment (a restored experiment rebuilds them in their
initial state), so the state lives in :class:`~hyperprune.searching.halving.HalvingBook`, which
:class:`SchedulerStateCallback` saves and restores with the experiment. On restore, trials come
back as PENDING; those that already waited at the rung are parked as PAUSED again and those
already excluded are stopped, so no candidate trains an extra epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ray.tune import Callback
from ray.tune.experiment import Trial
from ray.tune.schedulers import FIFOScheduler, TrialScheduler

from hyperprune.searching.halving import HalvingBook
from hyperprune.searching.level_books import LevelBooks


class SyncHalvingScheduler(FIFOScheduler):
    _supports_buffered_results = False

    def __init__(self, *, metric_key: str, e0: int, ei: int, final_count: int, final_epochs: int,
                 control_epochs: int = 0, on_round: Callable[[dict], None] | None = None,
                 signal: str | None = None, levels: tuple[float, ...] = ()) -> None:
        super().__init__()
        self.metric_key = metric_key
        options = dict(e0=e0, ei=ei, final_count=final_count, final_epochs=final_epochs,
                       control_epochs=control_epochs, signal=signal)
        # several target sparsities: one book per level, so candidates are ranked like with like
        self.book = LevelBooks(levels, **options) if len(levels) > 1 else HalvingBook(**options)
        self.on_round = on_round
        self._to_stop: set[str] = set()
        self._added: set[str] = set()  # trials this driver has seen added (not saved: a restore adds anew)

    def set_search_properties(self, metric, mode, **spec) -> bool:
        return True

    # -- trial lifecycle -----------------------------------------------------------------------
    def on_trial_add(self, tune_controller, trial: Trial) -> None:
        level = {"level": trial.config.get("sparsity")} if isinstance(self.book, LevelBooks) else {}
        cand = self.book.add(trial.trial_id, trial.config.get("candidate_id", trial.trial_id),
                             control=bool(trial.config.get("control")), **level)
        # Tune adds a trial again when it requeues it after its worker failed
        requeued = trial.trial_id in self._added
        self._added.add(trial.trial_id)
        if trial.status != Trial.PENDING or cand.status == "control":
            return
        if cand.status not in ("alive", "finalist"):
            # excluded before a driver restart or while its worker failed: park it, stop it next
            self._park(tune_controller, trial, requeued)
            self._to_stop.add(trial.trial_id)
        elif cand.waiting:
            self._park(tune_controller, trial, requeued)

    @staticmethod
    def _park(tune_controller, trial: Trial, requeued: bool) -> None:
        """PAUSED instead of PENDING, so that it does not train past its rung. A trial being added
        is filed by its status after this; a requeued one is filed already, and the controller
        must move it (or its books and the trial disagree and it fails later)."""
        if requeued:
            tune_controller._set_trial_status(trial, Trial.PAUSED)
        else:
            trial.set_status(Trial.PAUSED)

    def on_trial_result(self, tune_controller, trial: Trial, result: dict) -> str:
        age = int(result.get("age", result.get("epoch", 0)))  # rungs are ages (see halving.py)
        value = signal_inputs(getattr(self.book, "signal", None), result)
        if value is None:
            value = result.get(self.metric_key)
            value = float(value) if value is not None else math.nan
        loss = result.get("val_loss")
        diverged = bool(result.get("diverged")) or (loss is not None and not math.isfinite(float(loss)))
        outcome = self.book.record(trial.trial_id, age, value, diverged, rankable=bool(result.get("rankable", True)),
                                   restarts=bool(result.get("clock_restarts", False)))
        if outcome == "unrankable":
            print(f"error: {self.book.candidates[trial.trial_id].error}", flush=True)
        if outcome in ("diverged", "finished", "unrankable"):
            self._maybe_halve(tune_controller)
            return TrialScheduler.STOP
        if outcome == "continue":
            return TrialScheduler.CONTINUE
        self._maybe_halve(tune_controller)
        cand = self.book.candidates[trial.trial_id]
        if cand.status not in ("alive", "finalist"):
            return TrialScheduler.STOP
        return TrialScheduler.PAUSE if cand.waiting else TrialScheduler.CONTINUE

    def on_trial_error(self, tune_controller, trial: Trial) -> None:
        # Tune also calls this before it retries a failed trial from its last checkpoint (the trial
        # is then ERROR and within --max-failures): that candidate stays in the race.
        if trial.status == Trial.ERROR and trial.should_recover():
            return
        self.book.exclude(trial.trial_id, "error")
        self._maybe_halve(tune_controller)

    def on_trial_complete(self, tune_controller, trial: Trial, result: dict) -> None:
        # Tune hands a trial's last result (done=True) here instead of to on_trial_result
        cand = self.book.candidates.get(trial.trial_id)
        if cand is not None and cand.status in ("alive", "finalist"):
            result = result or {}
            loss = result.get("val_loss")
            diverged = bool(result.get("diverged")) or (loss is not None and not math.isfinite(float(loss)))
            epoch = int(result.get("age", result.get("epoch", cand.epoch)))
            if diverged:
                self.book.exclude(trial.trial_id, "diverged")
            elif epoch >= self.book.final_epochs:
                self.book.finish(trial.trial_id, epoch)
            else:  # ended outside the schedule: it cannot be ranked further
                self.book.exclude(trial.trial_id, "error")
        self._maybe_halve(tune_controller)

    def on_trial_remove(self, tune_controller, trial: Trial) -> None:
        pass

    # -- decisions -----------------------------------------------------------------------------
    def _pool_complete(self, tune_controller) -> bool:
        search_alg = tune_controller.search_alg
        seeder = getattr(search_alg, "searcher", None)
        if hasattr(seeder, "proposals_made"):  # the pool seeder stays unfinished while trials live
            if not seeder.proposals_made():
                return False
        elif search_alg is not None and not search_alg.is_finished():
            return False
        # every trial the searcher created must have been seen and be either waiting or excluded
        return all(t.trial_id in self.book.candidates for t in tune_controller.get_trials())

    def _maybe_halve(self, tune_controller) -> None:
        while self.book.ready(self._pool_complete(tune_controller)):
            _, dropped = self.book.halve()
            self._to_stop.update(c.trial_id for c in dropped)
            if self.on_round is not None:
                self.on_round(self.book.history[-1])
        self._stop_excluded(tune_controller)

    def _stop_excluded(self, tune_controller) -> None:
        for trial in tune_controller.get_trials():
            if trial.trial_id in self._to_stop and trial.status in (Trial.PAUSED, Trial.PENDING):
                self._to_stop.discard(trial.trial_id)
                tune_controller.stop_trial(trial)

    def choose_trial_to_run(self, tune_controller) -> Trial | None:
        self._maybe_halve(tune_controller)
        trials = tune_controller.get_trials()
        for trial in trials:
            if trial.status == Trial.PENDING:
                return trial
        for trial in trials:
            cand = self.book.candidates.get(trial.trial_id)
            if (trial.status == Trial.PAUSED and cand is not None and cand.status in ("alive", "finalist")
                    and not cand.waiting):
                return trial
        # a worker is free while the round waits for its last results: a candidate the round keeps
        # whatever they are trains on to the next rung (see hyperprune.searching.halving)
        paused = {t.trial_id: t for t in trials if t.status == Trial.PAUSED}
        for cand in self.book.clearable(self._pool_complete(tune_controller)):
            if cand.trial_id in paused:
                self.book.clear_ahead(cand.trial_id)
                return paused[cand.trial_id]
        return None

    def debug_string(self) -> str:
        alive = len(self.book.alive())
        return f"SyncHalving: round {self.book.round}, rung age {self.book.rung_epoch}, {alive} alive"

    # -- persistence ---------------------------------------------------------------------------
    def get_state(self) -> dict:
        return {"book": self.book, "to_stop": set(self._to_stop)}

    def set_state(self, state: dict) -> None:
        self.book = state["book"]
        self._to_stop = set(state["to_stop"])


def signal_inputs(signal: str | None, result: dict) -> dict[str, float] | None:
    """The inputs of ``signal`` a trial's result carries (NaN where missing); None without a signal."""
    if signal is None:
        return None
    from hyperprune.signals.registry import get_signal

    keys = get_signal(signal).result_keys()
    return {name: float(result[key]) if result.get(key) is not None else math.nan for name, key in keys.items()}


class SchedulerStateCallback(Callback):
    """Saves the scheduler's state with the experiment, so a restored search continues it."""

    def __init__(self, scheduler: SyncHalvingScheduler) -> None:
        self.scheduler = scheduler

    def get_state(self) -> dict:
        return self.scheduler.get_state()

    def set_state(self, state: dict) -> None:
        self.scheduler.set_state(state)
