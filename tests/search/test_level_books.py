"""Halving over several target sparsities ranks like with like: a round never mixes levels."""

import pytest

from hyperprune.searching.halving import HalvingBook
from hyperprune.searching.level_books import LevelBooks

LEVELS = (0.5, 0.8, 0.9)


def _books(final_count=1):
    books = LevelBooks(LEVELS, e0=1, ei=1, final_count=final_count, final_epochs=4, control_epochs=2)
    books.add("dense", "dense", control=True)
    for i in range(12):  # four candidates per level, levels interleaved as the seeder proposes them
        books.add(f"t{i}", f"c{i:03d}", level=LEVELS[i % 3])
    return books


def _run(books, metric):
    """Every candidate reports each rung until the finalists are known; returns the rounds."""
    for epoch in range(1, 5):
        for tid, cand in list(books.candidates.items()):
            if cand.status in ("alive", "finalist") and not cand.waiting:
                books.record(tid, epoch, metric(cand.candidate_id, epoch))
        while books.ready(True):
            books.halve()
    return books.history


def test_a_round_ranks_only_candidates_of_one_level():
    # the 0.9 candidates are far worse than everyone else: ranked together they would all go first
    def metric(cid, epoch):
        i = int(cid[1:])
        return 10.0 * LEVELS[i % 3] + i / 100

    books = _books()
    history = _run(books, metric)
    level_of = {f"c{i:03d}": LEVELS[i % 3] for i in range(12)}
    assert history and {h["level"] for h in history} == set(LEVELS)
    for h in history:
        ranked = [cid for cid, _ in h["ranking"]]
        assert {level_of[c] for c in ranked} == {h["level"]}, h
    for level in LEVELS:  # each level halves 4 -> 2 -> 1 on its own
        rounds = [h for h in history if h["level"] == level]
        assert [len(h["ranking"]) for h in rounds] == [4, 2]
        assert [len(h["kept"]) for h in rounds] == [2, 1]
    finalists = [c.candidate_id for c in books.candidates.values() if c.status in ("finalist", "finished")]
    assert sorted(level_of[c] for c in finalists) == sorted(
        LEVELS
    )  # one finalist per level, not three at 0.5
    assert books.candidates["dense"].status == "control"


def test_final_count_counts_per_level():
    books = _books(final_count=2)
    _run(books, lambda cid, epoch: int(cid[1:]) * 1.0)
    finalists = [c for c in books.candidates.values() if c.status in ("finalist", "finished")]
    assert len(finalists) == 2 * len(LEVELS)


def test_one_level_waiting_does_not_hold_another():
    books = _books()
    for i in range(0, 12, 3):  # only the 0.5 candidates reached the rung
        books.record(f"t{i}", 1, float(i))
    assert books.ready(True)
    kept, dropped = books.halve()
    assert len(kept) == 2 and len(dropped) == 2
    assert not books.ready(True)  # the 0.8 and 0.9 candidates still train


@pytest.mark.parametrize("level, expected", [(0.49, 0.5), (0.85, 0.8), (0.91, 0.9)])
def test_a_candidate_joins_the_nearest_level(level, expected):
    books = LevelBooks(LEVELS, e0=1, ei=1, final_count=1, final_epochs=2)
    books.add("t", "c", level=level)
    assert books.level_of["t"] == expected
    assert isinstance(books.book_of("t"), HalvingBook)
