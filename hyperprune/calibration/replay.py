"""Offline replay of a halving schedule over recorded curves, with the search's own bookkeeping.

:func:`replay` feeds the curves of a calibration pool, epoch by epoch, into the same
:class:`~hyperprune.searching.halving.HalvingBook` the search's scheduler drives: every candidate
trains to the rung and waits, the book ranks and halves (ties by candidate id, non-finite
metrics excluded as diverged), survivors continue, the finalists train to the budget. The
winner is then chosen exactly as the search chooses it (lowest final validation loss among
the finished, ties by id), so a replay gives the winner and the epochs a real search with that
schedule would give on the same curves. The curves are indexed by age, as the search's rungs
are; the epochs spent include each trained candidate's epochs before its clock started.

Example::

    outcome = replay(curves, "ls", e0=2, ei=1, final_count=2)
    outcome.winner, outcome.epochs
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hyperprune.calibration.curves import Curves
from hyperprune.searching.halving import HalvingBook


@dataclass(frozen=True)
class Schedule:
    e0: int
    ei: int
    final_count: int

    def to_json(self) -> dict:
        return {"e0": self.e0, "ei": self.ei, "final_count": self.final_count}


@dataclass(frozen=True)
class ReplayOutcome:
    winner: str | None
    epochs: int  # training epochs the schedule spends (all candidates together)
    epochs_by_candidate: dict[str, int]
    statuses: dict[str, str]
    rounds: list[dict]


def replay(curves: Curves, metric: str, e0: int, ei: int, final_count: int) -> ReplayOutcome:
    """Run the halving schedule ``(e0, ei, final_count)`` over ``curves`` ranked by ``metric``: a
    signal of :data:`hyperprune.signals.SIGNALS` (the book scores each rung with it from the
    curves of its inputs), or else a curve of ``curves.metrics`` ranked as it is."""
    from hyperprune.signals.registry import SIGNALS, get_signal

    signal = get_signal(metric) if metric in SIGNALS else None
    if signal is not None and not all(name in curves.metrics for name in signal.inputs):
        signal = None
    book = HalvingBook(e0=e0, ei=ei, final_count=final_count, final_epochs=curves.epochs,
                       signal=signal.name if signal else None)
    index = {cid: i for i, cid in enumerate(curves.ids)}
    for cid in curves.ids:
        book.add(cid, cid)
    trained = dict.fromkeys(curves.ids, 0)
    values = None if signal else curves.metrics[metric]
    while True:
        moved = False
        for cid in curves.ids:
            cand = book.candidates[cid]
            if cand.status not in ("alive", "finalist") or cand.waiting:
                continue
            epoch = cand.epoch + 1
            i = index[cid]
            trained[cid] = epoch
            diverged = not math.isfinite(curves.val_loss[i][epoch - 1])
            value = ({name: curves.metrics[name][i][epoch - 1] for name in signal.inputs} if signal
                     else values[i][epoch - 1])
            book.record(cid, epoch, value, diverged)
            moved = True
        while book.ready(pool_complete=True):
            book.halve()
        if not moved:
            break
    statuses = {cid: book.candidates[cid].status for cid in curves.ids}
    finished = [cid for cid in curves.ids
                if statuses[cid] == "finished" and math.isfinite(curves.final_loss[index[cid]])]
    winner = min(finished, key=lambda cid: (curves.final_loss[index[cid]], cid), default=None)
    # a candidate that trained at all also trained the epochs its method spent finding its mask
    trained = {cid: age + (curves.pre_clock[index[cid]] if age else 0) for cid, age in trained.items()}
    return ReplayOutcome(winner=winner, epochs=sum(trained.values()), epochs_by_candidate=trained,
                         statuses=statuses, rounds=list(book.history))


def regret(curves: Curves, winner: str | None) -> float:
    """How much worse the winner's final figure is than the pool's best (0 = the best; inf = none)."""
    badness = curves.final_badness()
    best = min((b for b in badness if math.isfinite(b)), default=math.nan)
    if winner is None or not math.isfinite(best):
        return math.inf
    return badness[curves.ids.index(winner)] - best
