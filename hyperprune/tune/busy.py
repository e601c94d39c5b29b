"""Name a candidate that has been busy far longer than a candidate-epoch usually takes.

A synchronous rung waits for its slowest candidate, so one candidate whose epoch costs many
epochs' time holds the whole pool up. :class:`BusyWatcher` (a Tune callback) keeps the time
since each running candidate last reported and the median time of the candidate-epochs seen so
far; when a candidate has been busy for more than ``factor`` times that median it prints one
line with what the candidate is doing (from the :mod:`status board <hyperprune.searching.status_board>`),
and again each time the wait doubles.

Example line::

    c005 busy for 95 s, 3.4x the median candidate-epoch (28 s): sa: end-of-epoch update (epoch 1)
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from ray.tune import Callback

from trainables.status_board import read_board

#: a candidate busy for more than this many median candidate-epochs is named
BUSY_FACTOR = 3.0
#: seconds between two looks at the running candidates
CHECK_EVERY_S = 5.0


class BusyWatcher(Callback):
    def __init__(
        self,
        board=None,
        *,
        factor: float = BUSY_FACTOR,
        quiet: bool = False,
        clock: Callable[[], float] = time.time,
        read: Callable = read_board,
    ) -> None:
        self.board = board
        self.factor = factor
        self.quiet = quiet
        self.clock = clock
        self.read = read
        self.epoch_seconds: list[float] = []
        self.busy_since: dict[str, float] = {}
        self.warned_at: dict[str, float] = {}
        self.last_check = 0.0
        self.lines: list[str] = []

    # Tune pickles its callbacks into the experiment state: an actor handle of this Ray session
    # must not go with them (a resumed driver could not unpickle it); a restored watcher reads
    # no board, and still names a busy candidate.
    def __getstate__(self) -> dict:
        return {**self.__dict__, "board": None, "read": read_board, "clock": time.time}

    # Tune's callback state is saved with the experiment; nothing here needs to survive a restart.
    def get_state(self) -> dict:
        return {"epoch_seconds": self.epoch_seconds}

    def set_state(self, state: dict) -> None:
        self.epoch_seconds = list(state.get("epoch_seconds", []))

    def _say(self, text: str) -> None:
        self.lines.append(text)
        if not self.quiet:
            print(text, file=sys.stdout, flush=True)

    def on_trial_result(self, iteration, trials, trial, result, **info) -> None:
        seconds = result.get("time_this_iter_s")
        if isinstance(seconds, (int, float)) and not result.get("replayed"):
            self.epoch_seconds.append(float(seconds))
        self.busy_since[trial.trial_id] = self.clock()
        self.warned_at.pop(trial.trial_id, None)

    def on_step_begin(self, iteration, trials, **info) -> None:
        now = self.clock()
        running = {t.trial_id: t for t in trials if t.status == "RUNNING"}
        for trial_id in list(self.busy_since):
            if trial_id not in running:  # paused, finished or failed: its wait starts again later
                del self.busy_since[trial_id]
                self.warned_at.pop(trial_id, None)
        for trial_id in running:
            self.busy_since.setdefault(trial_id, now)
        if now - self.last_check < CHECK_EVERY_S or not self.epoch_seconds:
            return
        self.last_check = now
        median = statistics.median(self.epoch_seconds)
        threshold = self.factor * max(median, 1e-9)
        slow = {
            trial_id: now - since
            for trial_id, since in self.busy_since.items()
            if now - since > max(threshold, 2 * self.warned_at.get(trial_id, 0.0))
        }
        if not slow:
            return
        board = self.read(self.board)
        for trial_id, busy in sorted(slow.items(), key=lambda item: -item[1]):
            trial = running[trial_id]
            candidate = trial.config.get("candidate_id", trial_id)
            doing, since = board.get(candidate, ("no phase posted yet", None))
            phase = f" for the last {now - since:.0f} s" if since is not None else ""
            self._say(
                f"  {candidate} busy for {busy:.0f} s, {busy / median:.1f}x the median candidate-epoch "
                f"({median:.0f} s): {doing}{phase}"
            )
            self.warned_at[trial_id] = busy
