"""The dense reference as the driver sees it while the search runs.

The dense reference and noise floor train beside the candidates (:func:`~hyperprune.tune.dense_reference.start_reference`).
Two things of the driver need them (:class:`~hyperprune.tune.reference_phase.ReferencePhase`) before they end: the progress lines (the noise floor of each
rung) and the cache (each dense run is stored as soon as it ends, so a driver killed later does
not train it again), and a dense run that failed or stopped making progress ends the search
(:class:`DenseRunStopper`). These are Tune callbacks and a stopper saved with the experiment, so they hold only the
output directory and find the driver's live objects here, registered per directory.
"""

from __future__ import annotations

import time
from typing import Protocol

from ray.tune import Callback
from ray.tune.stopper import Stopper

#: seconds between two looks for finished dense runs
HARVEST_EVERY_S = 1.0


class LiveReference(Protocol):
    def floor(self, epoch: int) -> float | None: ...  # the ranking metric's noise floor, or None

    def harvest(self) -> None: ...  # store the dense runs that ended, and look for one that failed or stalled

    def failure(self) -> str | None: ...  # why the search cannot go on, or None


_ACTIVE: dict[str, LiveReference] = {}


def register(out_dir: str, live: LiveReference) -> None:
    _ACTIVE[str(out_dir)] = live


def unregister(out_dir: str) -> None:
    _ACTIVE.pop(str(out_dir), None)


def floor_at(out_dir: str, epoch: int) -> float | None:
    """The floor at ``epoch`` as far as it is known now; None when it is not (yet)."""
    live = _ACTIVE.get(str(out_dir))
    if live is None:
        return None
    try:
        return live.floor(epoch)
    except Exception:  # a progress line must never stop the search
        return None


class HarvestDenseRuns(Callback):
    """Between Tune steps, stores each dense run that ended in the cache."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = str(out_dir)
        self.last = 0.0

    def on_step_begin(self, iteration: int, trials: list, **info) -> None:
        now = time.monotonic()
        live = _ACTIVE.get(self.out_dir)
        if live is None or now - self.last < HARVEST_EVERY_S:
            return
        self.last = now
        live.harvest()


class DenseRunStopper(Stopper):
    """Ends the experiment once a dense run failed or made no progress for too long (what
    :class:`HarvestDenseRuns` finds between steps); the driver then fails the search with it."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = str(out_dir)

    def __call__(self, trial_id, result) -> bool:
        return False

    def stop_all(self) -> bool:
        live = _ACTIVE.get(self.out_dir)
        try:
            return live is not None and live.failure() is not None
        except Exception:
            return False
