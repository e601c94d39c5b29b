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

*Moving on before the round is decided.* While a round waits for its last results, a worker
that has nothing else to train would sit idle. :meth:`HalvingBook.clearable` names the waiting
candidates that no result still to come can push out of the kept part (even if every pending
candidate reported a better metric, or failed and shrank the round), and
:meth:`HalvingBook.clear_ahead` lets one of them train on to the next rung (it is *ahead*). The
round's decision is the one it would have been without it: an ahead candidate keeps its place
in the round it was cleared in, and an end it meets before that round is decided (diverged,
error, finished) is *deferred* and applied once the round is decided, in the round it would
have happened in. Clearing needs the complete pool and a score of each candidate on its own
(the recorded value, or a signal that is not ``rung_wide``); with a signal that compares the
candidates of a rung (a rank combination), no candidate is cleared ahead.

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
    ahead: bool = False  # cleared for the next rung before this round is decided (HalvingBook.clear_ahead)
    deferred: str | None = None  # an ahead candidate's end, applied once its round is decided


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
        if c.ahead and status != "eliminated":
            c.deferred = c.deferred or status  # it still counts in the round it was cleared in
            c.waiting = False
            return
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
        target, final = self._target(c)
        if not rankable and c.status != "control":
            if diverged:
                self.exclude(trial_id, "diverged")
                return "diverged"
            due = self.final_epochs if final else self.e0 + target * self.ei
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
        at_rung = not final and epoch >= self.e0 + target * self.ei
        if diverged or (at_rung and not math.isfinite(value)):
            self.exclude(trial_id, "diverged")
            return "diverged"
        if epoch >= self.final_epochs:
            # the full budget is spent (possibly before the rounds got down to final_count)
            self.finish(trial_id, epoch)
            return "finished"
        if not at_rung:
            return "continue"
        c.rung_metrics[target] = float(value)
        c.waiting = True
        return "wait"

    def _target(self, c: Candidate) -> tuple[int, bool]:
        """The round whose rung ``c`` trains towards, and whether it trains to the end instead
        (the final phase, or an ahead candidate of a round that leaves only finalists)."""
        if c.ahead and self.phase == "elimination":
            leaves_finalists = keep_count(len(self.alive()), self.final_count) <= self.final_count
            return self.round + 1, leaves_finalists
        return self.round, self.phase == "final"

    def finish(self, trial_id: str, epoch: int) -> None:
        """``trial_id`` trained to age ``epoch`` = ``final_epochs``: finished (deferred while ahead)."""
        c = self.candidates[trial_id]
        c.epoch = max(c.epoch, epoch)
        if c.ahead:
            c.deferred, c.waiting = "finished", False
        else:
            c.status, c.waiting = "finished", False

    def reported(self, c: Candidate) -> bool:
        """``c`` has its metric for the current round (it waits at the rung, or went on ahead)."""
        return c.waiting or c.ahead

    def ready(self, pool_complete: bool) -> bool:
        alive = self.alive()
        return (self.phase == "elimination" and pool_complete and bool(alive)
                and all(self.reported(c) for c in alive))

    def clearable(self, pool_complete: bool) -> list[Candidate]:
        """Candidates waiting at the current rung that this round keeps whatever the results still
        to come, best first (see the module docstring); none before the pool is complete, once
        every result is in (the round is decided then), or with a ``rung_wide`` signal. A
        candidate that cannot be ranked (a score that is not finite) is never cleared."""
        signal = self._signal()
        if self.phase != "elimination" or not pool_complete or (signal is not None and signal.rung_wide):
            return []
        alive = self.alive()
        reported = [c for c in alive if self.reported(c)]
        if not reported:
            return []
        scores = (self._signal_scores(signal, reported) if signal is not None
                  else [c.rung_metrics[self.round] for c in reported])
        order = sorted(zip(scores, [c.candidate_id for c in reported], reported, strict=True), key=lambda t: t[:2])
        reported = [c for score, _, c in order if math.isfinite(score)]
        pending = len(alive) - len(reported)
        if pending == 0:
            return []
        # worst case: of the pending, ``failed`` end without a result and every other one ranks above
        safe = [c for place, c in enumerate(reported)
                if all(place + pending - failed < keep_count(len(alive) - failed, self.final_count)
                       for failed in range(pending + 1))]
        return [c for c in safe if c.waiting and not c.ahead]

    def clear_ahead(self, trial_id: str) -> None:
        """Let ``trial_id`` (one of :meth:`clearable`) train on to the next rung now."""
        c = self.candidates[trial_id]
        c.ahead, c.waiting = True, False

    def _signal(self):
        """The signal this book ranks by (an instance), or None."""
        if getattr(self, "signal", None) is None:
            return None
        from hyperprune.signals.registry import get_signal

        return get_signal(self.signal)

    def _signal_scores(self, signal, cands: list[Candidate]) -> list[float]:
        """``signal``'s score at this rung of each of ``cands`` from its inputs so far (inf: unrankable)."""
        epoch = self.rung_epoch
        inputs = {name: np.array([[c.inputs.get(e, {}).get(name, math.nan) for e in range(1, epoch + 1)]
                                  for c in cands]) for name in signal.inputs}
        scores = signal.score(inputs, epoch, self.final_epochs)
        return [float(score) if math.isfinite(score) else math.inf for score in scores]

    def _score_rung(self) -> None:
        """With a signal: every waiting candidate's score at this rung, from its inputs so far."""
        signal = self._signal()
        if signal is None:
            return
        alive = self.alive()
        for c, score in zip(alive, self._signal_scores(signal, alive), strict=True):
            c.rung_metrics[self.round] = score

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
            c.waiting = c.waiting and c.ahead  # an ahead one may wait at the next rung
            c.ahead = False
        self.round += 1
        if len(kept) <= self.final_count:
            self.phase = "final"
            for c in kept:
                c.status, c.waiting = "finalist", False
        for c in kept:
            end, c.deferred = c.deferred, None
            if end == "finished":
                c.status = "finished"
            elif end is not None:
                self.exclude(c.trial_id, end)
        return kept, dropped


def _all_finite(inputs: dict[str, float]) -> float:
    """A stand-in score for a result that carries a signal's inputs: NaN when one is missing or
    not finite (the candidate cannot be ranked), else 0 (the signal scores the rung later)."""
    return 0.0 if inputs and all(math.isfinite(v) for v in inputs.values()) else math.nan
