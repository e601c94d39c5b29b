"""Pure bookkeeping of synchronous successive halving (no Ray): rungs, ranking, survivors.

The rungs are at ages ``e0, e0 + ei, e0 + 2 ei, ...``: a candidate's age is the number of epochs
it has trained since its last prune-and-rewind event (:mod:`hyperprune.pruning.core.clock`), so
every candidate is ranked after the same training as the network it finishes as, and the
finalists train to age ``final_epochs``. Epochs a method spends finding its mask before a rewind
are reported as not rankable and pass no rung. A candidate that reaches a rung age with a mask
that is not final and will not restart (a method that prunes without rewinding after the first
rung) is an error: it cannot be compared with the others. At each rung every live candidate
reports its metric; the better half is kept (at least ``final_count``), the rest excluded, and
this repeats until ``final_count`` remain. Ties are broken by candidate id, so a decision never
depends on the order results arrived in. A candidate whose metric is not finite is excluded as
diverged.

With a ``signal`` (a name of :data:`hyperprune.signals.SIGNALS`), :meth:`HalvingBook.record`
takes the signal's inputs (``{"ls": ..., "loss": ...}``) at every epoch, and the book scores
the whole rung with the signal when it halves (a rank combination needs every candidate at
the rung); without one, the recorded value is the score.

A *control* candidate (the dense network) is recorded but never ranked: it takes no slot of
the halving, trains on until ``control_epochs`` (the last rung) and then finishes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def keep_count(alive: int, final_count: int) -> int:
    """Survivors of one round: the better half (rounded up), never fewer than ``final_count``."""
    return max(final_count, math.ceil(alive / 2)) if alive > final_count else alive


def schedule(pool_size: int, e0: int, ei: int, final_count: int, final_epochs: int) -> dict:
    """The rounds a pool goes through and the epochs they cost (continuing from checkpoints).

    Returns ``{"rounds": [(rung_epoch, alive, kept), ...], "epochs": total, "from_scratch":
    epochs if every round retrained its survivors from scratch (the reference system),
    "full": pool_size * final_epochs}``.
    """
    rounds = []
    alive, rung = pool_size, e0
    epochs = pool_size * e0
    scratch = pool_size * e0
    while alive > final_count:
        kept = keep_count(alive, final_count)
        rounds.append((rung, alive, kept))
        alive = kept
        if alive > final_count:
            epochs += alive * ei
            scratch += alive * (rung + ei)
            rung += ei
    epochs += alive * max(0, final_epochs - rung)
    scratch += alive * final_epochs
    return {"rounds": rounds, "epochs": epochs, "from_scratch": scratch, "full": pool_size * final_epochs,
            "last_rung": rung}


def ranked_epochs(pool_size: int, e0: int, ei: int, final_count: int, final_epochs: int) -> list[int]:
    """The epochs at which a candidate's metric can be used: every rung a pool of at most
    ``pool_size`` goes through, and the last epoch (the finalists' figures)."""
    rungs = [rung for rung, _, _ in schedule(pool_size, e0, ei, final_count, final_epochs)["rounds"]]
    return sorted({rung for rung in rungs if rung <= final_epochs} | {final_epochs})


@dataclass
class Candidate:
    trial_id: str
    candidate_id: str
    status: str = "alive"  # alive, eliminated, diverged, error, finalist, finished, control
    waiting: bool = False  # reported the current rung and waits for the others
    epoch: int = 0
    round_excluded: int | None = None
    rung_metrics: dict[int, float] = field(default_factory=dict)
    inputs: dict[int, dict[str, float]] = field(default_factory=dict)  # epoch -> the signal's inputs
    error: str | None = None


@dataclass
class HalvingBook:
    e0: int
    ei: int
    final_count: int
    final_epochs: int
    control_epochs: int = 0
    round: int = 0
    phase: str = "elimination"  # elimination, final
    candidates: dict[str, Candidate] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    signal: str | None = None  # rank by this signal (scored per rung); None: by the recorded value

    @property
    def rung_epoch(self) -> int:
        return self.e0 + self.round * self.ei

    def alive(self) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.status in ("alive", "finalist")]

    def add(self, trial_id: str, candidate_id: str, control: bool = False) -> Candidate:
        if trial_id not in self.candidates:
            self.candidates[trial_id] = Candidate(trial_id, candidate_id, status="control" if control else "alive")
        return self.candidates[trial_id]

    def exclude(self, trial_id: str, status: str) -> None:
        c = self.candidates[trial_id]
        if c.status in ("alive", "finalist", "control"):
            c.status = status
            c.waiting = False
            c.round_excluded = self.round

    def record(self, trial_id: str, epoch: int, value: float, diverged: bool = False, rankable: bool = True,
               restarts: bool = False) -> str:
        """Record a result at age ``epoch``; returns ``"continue"``, ``"wait"`` (at the rung),
        ``"finished"``, ``"diverged"`` or ``"unrankable"``.

        A candidate is diverged when its training says so, or when its metric is not finite at
        a rung where it must be ranked. A result that is not ``rankable`` passes no rung: while
        its clock ``restarts`` (a rewind is still to come) the candidate trains on; otherwise,
        at a rung age, it is excluded as an error (see the module docstring).
        """
        c = self.candidates[trial_id]
        if not rankable and c.status != "control":
            if diverged:
                self.exclude(trial_id, "diverged")
                return "diverged"
            due = self.final_epochs if self.phase == "final" else self.rung_epoch
            if restarts or epoch < due:
                return "continue"
            c.error = (f"{c.candidate_id} reached age {epoch} (a rung) before its mask was final: a method "
                       "that prunes without rewinding must prune before the first rung (--e0)")
            self.exclude(trial_id, "error")
            return "unrankable"
        c.epoch = max(c.epoch, epoch)
        if isinstance(value, dict):
            c.inputs[epoch] = {k: float(v) if v is not None else math.nan for k, v in value.items()}
            value = _all_finite(c.inputs[epoch])
        if c.status == "control":
            if diverged:
                self.exclude(trial_id, "diverged")
                return "diverged"
            if math.isfinite(value):
                c.rung_metrics[epoch] = float(value)
            return "finished" if epoch >= (self.control_epochs or self.final_epochs) else "continue"
        at_rung = self.phase == "elimination" and epoch >= self.rung_epoch
        if diverged or (at_rung and not math.isfinite(value)):
            self.exclude(trial_id, "diverged")
            return "diverged"
        if epoch >= self.final_epochs:
            # the full budget is spent (possibly before the rounds got down to final_count)
            c.status, c.waiting = "finished", False
            return "finished"
        if not at_rung:
            return "continue"
        c.rung_metrics[self.round] = float(value)
        c.waiting = True
        return "wait"

    def ready(self, pool_complete: bool) -> bool:
        alive = self.alive()
        return self.phase == "elimination" and pool_complete and bool(alive) and all(c.waiting for c in alive)

    def _score_rung(self) -> None:
        """With a signal: every waiting candidate's score at this rung, from its inputs so far."""
        if getattr(self, "signal", None) is None:
            return
        from hyperprune.signals.registry import get_signal

        signal = get_signal(self.signal)
        alive = self.alive()
        epoch = self.rung_epoch
        inputs = {name: np.array([[c.inputs.get(e, {}).get(name, math.nan) for e in range(1, epoch + 1)]
                                  for c in alive]) for name in signal.inputs}
        scores = signal.score(inputs, epoch, self.final_epochs)
        for c, score in zip(alive, scores, strict=True):
            c.rung_metrics[self.round] = float(score) if math.isfinite(score) else math.inf

    def halve(self) -> tuple[list[Candidate], list[Candidate]]:
        """Rank the waiting candidates, keep the better part; returns (kept, excluded)."""
        self._score_rung()
        alive = sorted(self.alive(), key=lambda c: (c.rung_metrics[self.round], c.candidate_id))
        n_keep = keep_count(len(alive), self.final_count)
        kept, dropped = alive[:n_keep], alive[n_keep:]
        self.history.append({
            "round": self.round,
            "epoch": self.rung_epoch,
            "ranking": [(c.candidate_id, c.rung_metrics[self.round]) for c in alive],
            "kept": [c.candidate_id for c in kept],
            "excluded": [c.candidate_id for c in dropped],
        })
        for c in dropped:
            self.exclude(c.trial_id, "eliminated")
        for c in kept:
            c.waiting = False
        self.round += 1
        if len(kept) <= self.final_count:
            self.phase = "final"
            for c in kept:
                c.status = "finalist"
        return kept, dropped


def _all_finite(inputs: dict[str, float]) -> float:
    """A stand-in score for a result that carries a signal's inputs: NaN when one is missing or
    not finite (the candidate cannot be ranked), else 0 (the signal scores the rung later)."""
    return 0.0 if inputs and all(math.isfinite(v) for v in inputs.values()) else math.nan
