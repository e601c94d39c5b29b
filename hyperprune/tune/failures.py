"""Failed attempts of candidates: one progress line each, and an early stop of a hopeless search.

Tune appends every failed attempt of a trial to the trial's ``error.txt`` (a worker that died, an
exception in ``step()``, an actor that could not start). :class:`FailureWatch` prints one line per
failed attempt as it happens (candidate, attempt, the error in one line, where the full trace
is) and remembers the first failure of the search. When every candidate of the first wave (the
first ``wave`` candidates to fail, at least two, or the whole pool if smaller) failed its first
attempt with the same one-line error, retrying is pointless (a broken installation, a cluster
that cannot start the trial actors): the watch's :class:`FailureStopper` then ends the whole
experiment instead of burning every retry of every candidate.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ray.tune import Callback
from ray.tune.stopper import Stopper

_FAILURE_HEADER = re.compile(r"^Failure # \d+ \(occurred at [^)]*\)\s*$", re.MULTILINE)
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*)$")
# Known causes that a user can act on: a substring of the error and the advice shown after it.
_HINTS = (
    ("cancelled before it started running",
     "the driver's Ray auth mode does not match the cluster's: leave RAY_AUTH_MODE unset, or set it as "
     "the cluster's nodes have it"),
    ("No module named", "install hyperprune on every node of the cluster (see cluster/README.md)"),
)


def last_failure_text(error_file: str | Path | None) -> str:
    """The text of the last failure Tune appended to a trial's error file ('' if there is none)."""
    if not error_file:
        return ""
    try:
        text = Path(error_file).read_text(errors="replace")
    except OSError:
        return ""
    blocks = _FAILURE_HEADER.split(text)
    return blocks[-1].strip() if blocks else ""


def one_line(text: str) -> str:
    """The error of a failure in one line: the exception line of a traceback, else the Ray message."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error (no error text was saved)"
    raised = [line for line in lines if _EXCEPTION_LINE.match(line)]
    if raised:  # a traceback (Ray prints some without the "Traceback" header): the exception raised
        return _shorten(raised[-1])
    if lines[0].startswith("ray::") and len(lines) > 1:
        lines = lines[1:]
    summary = lines[0]
    if len(lines) > 1 and not lines[-1].startswith(("class_name", "actor_id", "pid", "namespace", "ip")):
        summary = f"{summary} {lines[-1]}" if lines[-1] != summary else summary
    return _shorten(summary)


def trace_location(trial) -> str | None:
    """Where a trial's ``error.txt`` stays: in the experiment's storage (``OUT/tune/...`` or the
    ``--storage`` URI), not the driver's staging copy that Tune writes first and later removes."""
    if not getattr(trial, "error_file", None):
        return None
    storage = getattr(trial, "storage", None)
    if storage is None:
        return str(trial.error_file)
    name = Path(trial.error_file).name
    root = str(getattr(storage, "storage_path", ""))
    scheme = root.split("://", 1)[0] + "://" if "://" in root else ""
    return f"{scheme}{storage.trial_fs_path}/{name}"


def hint_for(text: str) -> str | None:
    """Advice for a known cause of failure, or None."""
    for marker, advice in _HINTS:
        if marker in text:
            return advice
    return None


def _shorten(line: str, limit: int = 300) -> str:
    return line if len(line) <= limit else line[: limit - 3] + "..."


class FailureWatch(Callback):
    """Print each failed attempt; stop the search when the whole first wave fails alike.

    ``wave`` is the number of candidates that start together (the search's concurrency);
    ``pool_size`` the number of candidates. After the run, ``first`` holds the first failure
    (``candidate_id``, ``attempt``, ``error``, ``trace``) and ``stopped`` the reason the watch
    stopped the search early, or None.
    """

    def __init__(self, *, wave: int, pool_size: int, quiet: bool = False) -> None:
        self.wave = max(1, min(max(2, wave), pool_size))
        self.quiet = quiet
        self.first: dict | None = None
        self.stopped: str | None = None
        self._attempts: dict[str, int] = {}
        self._first_errors: dict[str, str] = {}
        self._reported: set[str] = set()

    def stopper(self) -> FailureStopper:
        return FailureStopper(self)

    # -- Tune hooks ----------------------------------------------------------------------------
    def on_trial_result(self, iteration, trials, trial, result, **info) -> None:
        self._reported.add(trial.trial_id)

    def on_trial_recover(self, iteration, trials, trial, **info) -> None:
        self._failed(trial, retrying=True)

    def on_trial_error(self, iteration, trials, trial, **info) -> None:
        self._failed(trial, retrying=False)

    # -- logic ---------------------------------------------------------------------------------
    def _failed(self, trial, retrying: bool) -> None:
        candidate = trial.config.get("candidate_id", trial.trial_id)
        attempt = self._attempts.get(trial.trial_id, 0) + 1
        self._attempts[trial.trial_id] = attempt
        text = last_failure_text(getattr(trial, "error_file", None))
        trace = trace_location(trial)
        error = one_line(text)
        if self.first is None:
            self.first = {"candidate_id": candidate, "attempt": attempt, "error": error, "trace": trace,
                          "hint": hint_for(text)}
        then = "retrying from its last checkpoint" if retrying else "no retries left, candidate excluded"
        self._say(f"  {candidate} attempt {attempt} failed: {error} (full trace: {trace}); {then}")
        if attempt == 1 and trial.trial_id not in self._reported:
            self._first_errors.setdefault(trial.trial_id, error)
        self._check_wave()

    def _check_wave(self) -> None:
        if self.stopped or len(self._first_errors) < self.wave or self._reported:
            return
        errors = set(list(self._first_errors.values())[: self.wave])
        if len(errors) == 1:
            error = errors.pop()
            hint = f" ({self.first['hint']})" if self.first and self.first.get("hint") else ""
            self.stopped = (f"every candidate of the first wave ({self.wave}) failed with the same error, "
                            f"so the search stopped: {error}{hint}")
            self._say(f"stopping the search: all {self.wave} candidates of the first wave failed with that error")

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stdout, flush=True)


class FailureStopper(Stopper):
    """Tells Tune to end the experiment once its :class:`FailureWatch` has given up."""

    def __init__(self, watch: FailureWatch) -> None:
        self.watch = watch

    def __call__(self, trial_id, result) -> bool:
        return False

    def stop_all(self) -> bool:
        return self.watch.stopped is not None
