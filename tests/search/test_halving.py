"""Bookkeeping of synchronous halving: counts, ties, divergence, schedule arithmetic."""

import math

from hyperprune.searching.halving import HalvingBook, keep_count, schedule


def _run_book(values: dict[str, list[float]], final_count: int = 2, e0: int = 1, ei: int = 1):
    book = HalvingBook(e0=e0, ei=ei, final_count=final_count, final_epochs=10)
    for cid in values:
        book.add(cid, cid)
    epoch = 0
    while book.phase == "elimination":
        epoch += 1
        for cid, series in values.items():
            if book.candidates[cid].status == "alive":
                book.record(cid, epoch, series[epoch - 1])
        if book.ready(pool_complete=True):
            book.halve()
    return book


def test_keep_count_halves_and_respects_final_count():
    assert [keep_count(n, 2) for n in (26, 13, 7, 4, 2)] == [13, 7, 4, 2, 2]
    assert keep_count(3, 2) == 2
    assert keep_count(5, 3) == 3


def test_pool_of_eight_halves_to_two_in_two_rounds():
    values = {f"c{i}": [float(i)] * 5 for i in range(8)}
    book = _run_book(values)
    assert [len(h["ranking"]) for h in book.history] == [8, 4]
    assert [len(h["kept"]) for h in book.history] == [4, 2]
    finalists = sorted(c.candidate_id for c in book.alive())
    assert finalists == ["c0", "c1"]
    assert all(c.status == "finalist" for c in book.alive())
    assert book.candidates["c7"].round_excluded == 0
    assert book.candidates["c2"].round_excluded == 1


def test_ties_are_broken_by_candidate_id_not_arrival_order():
    values = {"c3": [1.0] * 3, "c1": [1.0] * 3, "c2": [1.0] * 3, "c0": [1.0] * 3}
    book = _run_book(values)
    assert book.history[0]["kept"] == ["c0", "c1"]


def test_diverged_candidate_is_excluded_and_not_ranked():
    values = {"c0": [1.0, 1.0], "c1": [math.nan, 1.0], "c2": [2.0, 2.0], "c3": [3.0, 3.0]}
    book = _run_book(values)
    assert book.candidates["c1"].status == "diverged"
    assert [cid for cid, _ in book.history[0]["ranking"]] == ["c0", "c2", "c3"]
    assert book.history[0]["kept"] == ["c0", "c2"]


def test_not_ready_until_every_live_candidate_reported_and_pool_complete():
    book = HalvingBook(e0=2, ei=1, final_count=1, final_epochs=4)
    for cid in ("a", "b"):
        book.add(cid, cid)
    assert book.record("a", 1, 5.0) == "continue"
    assert book.record("a", 2, 5.0) == "wait"
    assert not book.ready(pool_complete=True)
    assert book.record("b", 2, 4.0) == "wait"
    assert not book.ready(pool_complete=False)
    assert book.ready(pool_complete=True)
    kept, dropped = book.halve()
    assert [c.candidate_id for c in kept] == ["b"] and book.phase == "final"


def test_schedule_counts_epochs_continuing_versus_from_scratch():
    # 8 candidates, e0=2, ei=1, 2 finalists trained to 5 epochs: rounds at epochs 2 and 3
    plan = schedule(8, e0=2, ei=1, final_count=2, final_epochs=5)
    assert plan["rounds"] == [(2, 8, 4), (3, 4, 2)]
    assert plan["epochs"] == 8 * 2 + 4 * 1 + 2 * 2
    assert plan["from_scratch"] == 8 * 2 + 4 * 3 + 2 * 5
    assert plan["full"] == 40
    # the reference pool: 26 candidates, e0=3, ei=3, two finalists to 100 epochs
    ref = schedule(26, e0=3, ei=3, final_count=2, final_epochs=100)
    assert [r[1] for r in ref["rounds"]] == [26, 13, 7, 4]
    assert ref["full"] == 2600


def test_ranked_epochs_are_the_rungs_and_the_end():
    from hyperprune.searching.halving import ranked_epochs
    from hyperprune.searching.options import SearchOptions

    assert ranked_epochs(8, 2, 1, 2, 5) == [2, 3, 5]  # the demo: rungs 2 and 3, finalists at 5
    assert ranked_epochs(40, 3, 3, 2, 100) == [3, 6, 9, 12, 15, 100]
    assert ranked_epochs(26, 3, 3, 2, 7) == [3, 6, 7]  # the budget ends before the last rounds
    assert ranked_epochs(2, 1, 1, 2, 4) == [4]  # nothing to rank: only the finalists' figures
    assert SearchOptions().ls_epochs() == [2, 3, 5]
    assert SearchOptions(ls_every_epoch=True).ls_epochs() is None
    assert SearchOptions(ls_distance="trajectory").ls_epochs() is None  # the trajectory spans every epoch


def test_rungs_are_ages_and_a_mask_still_searched_passes_no_rung():
    from hyperprune.searching.halving import HalvingBook

    book = HalvingBook(e0=1, ei=1, final_count=1, final_epochs=3)
    book.add("t1", "ticket")
    book.add("t2", "dst")
    # the ticket's rounds: age 0 after each rewind, age 1 in between, never rankable while rounds remain
    assert book.record("t1", 0, 9.0, rankable=False, restarts=True) == "continue"
    assert book.record("t1", 1, 9.0, rankable=False, restarts=True) == "continue"
    assert book.record("t1", 0, 9.0, rankable=False) == "continue"  # the last rewind: age 0
    assert book.record("t2", 1, 2.0) == "wait"
    assert not book.ready(pool_complete=True)
    assert book.record("t1", 1, 1.0) == "wait"  # first rankable measurement at age e0
    book.halve()
    assert book.history[0]["ranking"] == [("ticket", 1.0), ("dst", 2.0)]


def test_a_candidate_unrankable_at_a_rung_age_is_an_error_with_its_reason():
    from hyperprune.searching.halving import HalvingBook

    book = HalvingBook(e0=1, ei=1, final_count=1, final_epochs=3)
    book.add("t1", "halo-late")
    assert book.record("t1", 1, 0.5, rankable=False, restarts=False) == "unrankable"
    cand = book.candidates["t1"]
    assert cand.status == "error" and "before its mask was final" in cand.error and "--e0" in cand.error
