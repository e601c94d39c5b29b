"""Moving on before a round is decided: who may, and that no decision changes because of it."""

import math
import random

import pytest

from hyperprune.searching.halving import HalvingBook
from hyperprune.searching.level_books import LevelBooks


def _book(n: int, final_count: int = 2, **kw) -> HalvingBook:
    book = HalvingBook(e0=2, ei=1, final_count=final_count, final_epochs=kw.pop("final_epochs", 5), **kw)
    for i in range(n):
        book.add(f"c{i}", f"c{i}")
    return book


def _report(book: HalvingBook, values: dict[str, float], epoch: int = 2) -> None:
    for cid, value in values.items():
        assert book.record(cid, epoch, value) == "wait"


def test_with_one_result_pending_the_three_best_of_eight_are_cleared_best_first():
    book = _book(8)
    _report(book, {f"c{i}": float(10 - i) for i in range(7)})  # c6 best, c0 worst; c7 pending
    assert [c.candidate_id for c in book.clearable(pool_complete=True)] == ["c6", "c5", "c4"]
    assert book.clearable(pool_complete=False) == []


def test_nothing_is_cleared_while_the_worst_case_could_still_exclude_it():
    book = _book(8)
    _report(book, {"c0": 1.0, "c1": 2.0, "c2": 3.0, "c3": 4.0})  # four pending: any could be ranked out
    assert book.clearable(True) == []
    _report(book, {"c4": 5.0})  # three pending, keep 4: only the best is safe
    assert [c.candidate_id for c in book.clearable(True)] == ["c0"]


def test_a_tie_with_a_pending_candidate_counts_against_the_reported_one():
    book = _book(4, final_count=1)  # keep 2 of 4
    _report(book, {"c1": 1.0, "c2": 1.0, "c3": 5.0})  # c0 pending; c1 and c2 tie
    assert [c.candidate_id for c in book.clearable(True)] == ["c1"]


def test_a_signal_that_scores_each_candidate_on_its_own_clears_by_that_score():
    book = _book(4, final_count=1, signal="loss")  # keep 2 of 4
    book.record("c0", 2, {"loss": 3.0})
    book.record("c1", 2, {"loss": 1.0})
    assert book.record("c2", 2, {"loss": math.nan}) == "diverged"  # out of the round: 3 alive, keep 2
    assert [c.candidate_id for c in book.clearable(True)] == ["c1"]
    book2 = _book(5, final_count=1, signal="loss")  # keep 3 of 5
    for cid, loss in (("c0", 3.0), ("c1", 1.0), ("c2", 2.0), ("c3", 4.0)):
        book2.record(cid, 2, {"loss": loss})
    assert [c.candidate_id for c in book2.clearable(True)] == ["c1", "c2"]


def test_nothing_is_cleared_with_a_rung_wide_signal_or_once_every_result_is_in():
    book = _book(4, signal="rank")
    book.record("c0", 2, {"ls": 1.0, "loss": 2.0})
    book.record("c1", 2, {"ls": 1.0, "loss": 2.0})
    book.record("c2", 2, {"ls": 1.0, "loss": 2.0})
    assert book.clearable(True) == []
    full = _book(4)
    _report(full, {f"c{i}": float(i) for i in range(4)})
    assert full.clearable(True) == []


def test_an_ahead_candidate_waits_at_the_next_rung_and_keeps_its_place_in_its_round():
    book = _book(8)
    _report(book, {f"c{i}": float(i) for i in range(7)})
    book.clear_ahead("c0")
    assert book.record("c0", 3, 0.5) == "wait"  # the next rung (age 3), before round 0 is decided
    assert book.candidates["c0"].rung_metrics == {0: 0.0, 1: 0.5}
    assert not book.ready(True)
    assert book.record("c7", 2, 9.0) == "wait"
    assert book.ready(True)
    kept, _ = book.halve()
    assert [c.candidate_id for c in kept] == ["c0", "c1", "c2", "c3"]
    c0 = book.candidates["c0"]
    assert (c0.waiting, c0.ahead, book.round) == (True, False, 1)  # already waits at round 1's rung


def test_an_ahead_candidate_of_the_last_round_trains_to_the_end_without_pausing():
    book = _book(4)  # keep 2 of 4 = final_count: the next phase is the final one
    _report(book, {"c0": 0.0, "c1": 1.0, "c2": 2.0})
    book.clear_ahead("c0")
    assert book.record("c0", 3, 0.5) == "continue"
    assert book.record("c0", 4, 0.4) == "continue"
    assert book.record("c0", 5, 0.3) == "finished"  # before the round is decided: deferred
    assert book.candidates["c0"].status == "alive"
    assert not book.ready(True)
    book.record("c3", 2, 3.0)
    kept, dropped = book.halve()
    assert [c.candidate_id for c in kept] == ["c0", "c1"]
    assert book.candidates["c0"].status == "finished"
    assert book.candidates["c1"].status == "finalist"


def test_an_ahead_candidate_that_diverges_is_counted_in_its_round_and_excluded_in_the_next():
    book = _book(5)  # keep 3 of 5
    _report(book, {"c0": 0.0, "c1": 1.0, "c2": 2.0, "c3": 3.0})
    assert [c.candidate_id for c in book.clearable(True)] == ["c0", "c1"]
    book.clear_ahead("c1")
    assert book.record("c1", 3, math.nan, diverged=True) == "diverged"
    assert book.candidates["c1"].status == "alive"  # still ranked in round 0
    assert book.clearable(True) == [book.candidates["c0"]]
    book.record("c4", 2, 4.0)
    kept, dropped = book.halve()
    assert [c.candidate_id for c in kept] == ["c0", "c1", "c2"]  # 3 of 5, as without moving on
    c1 = book.candidates["c1"]
    assert (c1.status, c1.round_excluded) == ("diverged", 1)


def test_level_books_clear_within_each_level():
    books = LevelBooks((0.5, 0.8), e0=2, ei=1, final_count=1, final_epochs=5)
    for i in range(4):
        books.add(f"a{i}", f"a{i}", level=0.5)
        books.add(f"b{i}", f"b{i}", level=0.8)
    for i in range(3):
        books.record(f"a{i}", 2, float(i))
    assert [c.candidate_id for c in books.clearable(True)] == ["a0"]
    books.clear_ahead("a0")
    assert books.candidates["a0"].ahead


def _simulate(values: dict[str, list[float]], final_count: int, workers: int, seed: int, ahead: bool,
              signal: str | None = None):
    """Candidates trained an epoch at a time, in random interleaving, on ``workers`` slots, chosen as
    the scheduler chooses them; with ``ahead``, a free slot trains on a cleared candidate."""
    rng = random.Random(seed)
    book = HalvingBook(e0=1, ei=1, final_count=final_count, final_epochs=len(next(iter(values.values()))),
                       signal=signal)
    for cid in values:
        book.add(cid, cid)
    running, stopped, cleared = [], set(), 0
    while True:
        while book.ready(True):
            book.halve()
        while len(running) < workers:
            free = [cid for cid, c in book.candidates.items()
                    if cid not in running and cid not in stopped and c.status in ("alive", "finalist")
                    and not c.waiting]
            if not free and ahead:
                free = [c.candidate_id for c in book.clearable(True) if c.candidate_id not in running][:1]
                if free:
                    book.clear_ahead(free[0])
                    cleared += 1
            if not free:
                break
            running.append(free[0])
        if not running:
            return book, cleared
        cid = rng.choice(running)
        c = book.candidates[cid]
        value = values[cid][c.epoch]
        reported = {"loss": value} if signal else value
        outcome = book.record(cid, c.epoch + 1, reported, diverged=not math.isfinite(value))
        while book.ready(True):
            book.halve()
        if outcome in ("finished", "diverged") or c.status not in ("alive", "finalist"):
            stopped.add(cid)
            running.remove(cid)
        elif c.waiting:
            running.remove(cid)


@pytest.mark.parametrize("seed", range(40))
def test_every_decision_is_the_one_made_without_moving_on(seed):
    rng = random.Random(seed)
    n, epochs = rng.randint(3, 11), rng.randint(3, 6)
    values = {f"c{i:02d}": [rng.choice([rng.random(), rng.random(), 0.5]) for _ in range(epochs)]
              for i in range(n)}
    for cid in rng.sample(sorted(values), k=rng.randint(0, 2)):  # some diverge at some epoch
        values[cid][rng.randrange(epochs)] = math.nan
    final_count, workers, signal = rng.randint(1, 2), rng.randint(2, 3), rng.choice([None, "loss"])
    plain, _ = _simulate(values, final_count, workers, seed, ahead=False, signal=signal)
    moving, cleared = _simulate(values, final_count, workers, seed, ahead=True, signal=signal)
    summary = [(h["round"], h["kept"], h["excluded"]) for h in plain.history]
    assert [(h["round"], h["kept"], h["excluded"]) for h in moving.history] == summary
    for cid in values:
        a, b = plain.candidates[cid], moving.candidates[cid]
        assert (b.status, b.round_excluded, b.epoch) == (a.status, a.round_excluded, a.epoch), cid


def test_the_simulation_does_move_candidates_on():
    rng = random.Random(7)
    values = {f"c{i}": [rng.random() for _ in range(4)] for i in range(8)}
    _, cleared = _simulate(values, 2, 2, 7, ahead=True)
    assert cleared > 0
