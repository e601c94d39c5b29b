"""Every early signal: its numbers, and how the halving book and the pool seeder rank by it."""

import math

import numpy as np
import pytest

from hyperprune.searching.halving import HalvingBook
from hyperprune.signals import SIGNALS, get_signal, signal_names
from hyperprune.signals.loss_extrapolation import extrapolate


def test_the_registry_holds_every_signal_and_each_names_its_inputs():
    assert signal_names() == ["ls", "ls-trajectory", "loss", "rank", "loss-extrapolation"]
    assert set(SIGNALS.names()) == set(signal_names())
    for name in signal_names():
        signal = get_signal(name)
        assert signal.name == name and signal.inputs and signal.label
    assert get_signal("ls-trajectory").search_flags == {"ls_distance": "trajectory"}


def test_ls_ls_trajectory_and_loss_take_the_value_at_the_rung():
    values = np.array([[3.0, 2.0, 1.0], [1.0, 5.0, 9.0]])
    for name, key in (("ls", "ls"), ("ls-trajectory", "ls-trajectory"), ("loss", "loss")):
        assert get_signal(name).score({key: values}, epoch=2, final_epoch=3).tolist() == [2.0, 5.0]


def test_rank_combination_of_known_inputs():
    ls = np.array([[0.1], [0.4], [0.2], [0.3]])  # ranks 1, 4, 2, 3
    loss = np.array([[5.0], [4.0], [5.0], [6.0]])  # ranks 2.5, 1, 2.5, 4 (a tie)
    scores = get_signal("rank").score({"ls": ls, "loss": loss}, epoch=1, final_epoch=5)
    assert scores.tolist() == [1.75, 2.5, 2.25, 3.5]
    ls[1, 0] = math.nan  # a diverged candidate scores infinity; the others are ranked without it
    scores = get_signal("rank").score({"ls": ls, "loss": loss}, epoch=1, final_epoch=5)
    assert scores[1] == math.inf and scores[[0, 2, 3]].tolist() == [1.25, 1.75, 3.0]


def test_extrapolation_recovers_a_synthetic_curves_asymptote():
    t = np.arange(1, 9)
    curve = 3.5 + 2.0 * t**-0.7
    assert extrapolate(tuple(curve), 10**6) == pytest.approx(3.5, abs=0.01)
    assert extrapolate(tuple(curve), 20) == pytest.approx(3.5 + 2.0 * 20**-0.7, abs=0.01)
    # the rung's prediction ranks a slow starter that will end lower ahead of a fast plateau
    fast = 4.0 + 0.5 * t**-2.0
    slow = 3.0 + 3.0 * t**-0.5
    scores = get_signal("loss-extrapolation").score(
        {"loss": np.array([fast[:5], slow[:5]])}, epoch=5, final_epoch=100
    )
    assert fast[4] < slow[4] and scores[1] < scores[0]


def test_extrapolation_falls_back_to_the_last_loss():
    assert extrapolate((5.0, 4.0), 10) == 4.0  # too few points to fit
    assert extrapolate((5.0, 4.0, math.inf), 10) == math.inf  # diverged at the rung


def _rung(book, rows):
    for cid, inputs in rows.items():
        book.add(cid, cid)
        for epoch, values in enumerate(inputs, start=1):
            book.record(cid, epoch, values)
    assert book.ready(pool_complete=True)
    return book.halve()


def test_the_halving_book_ranks_a_whole_rung_by_the_rank_signal():
    book = HalvingBook(e0=1, ei=1, final_count=2, final_epochs=4, signal="rank")
    kept, dropped = _rung(
        book,
        {
            "a": [{"ls": 0.1, "loss": 6.0}],
            "b": [{"ls": 0.4, "loss": 4.0}],
            "c": [{"ls": 0.2, "loss": 5.0}],
            "d": [{"ls": 0.3, "loss": 7.0}],
        },
    )
    # ranks: a (1, 3) = 2, b (4, 1) = 2.5, c (2, 2) = 2, d (3, 4) = 3.5; ties by id
    assert [c.candidate_id for c in kept] == ["a", "c"]
    assert book.history[-1]["ranking"] == [("a", 2.0), ("c", 2.0), ("b", 2.5), ("d", 3.5)]


def test_the_halving_book_ranks_by_extrapolated_loss():
    t = np.arange(1, 5)
    fast, slow = 4.0 + 0.5 * t**-2.0, 3.0 + 3.0 * t**-0.5
    book = HalvingBook(e0=4, ei=1, final_count=1, final_epochs=50, signal="loss-extrapolation")
    kept, _ = _rung(book, {"fast": [{"loss": v} for v in fast], "slow": [{"loss": v} for v in slow]})
    assert [c.candidate_id for c in kept] == ["slow"]
    book = HalvingBook(e0=4, ei=1, final_count=1, final_epochs=50, signal="loss")
    kept, _ = _rung(book, {"fast": [{"loss": v} for v in fast], "slow": [{"loss": v} for v in slow]})
    assert [c.candidate_id for c in kept] == ["fast"]


def test_a_missing_input_at_the_rung_excludes_the_candidate_as_diverged():
    book = HalvingBook(e0=1, ei=1, final_count=1, final_epochs=3, signal="rank")
    book.add("a", "a")
    assert book.record("a", 1, {"ls": math.nan, "loss": 5.0}) == "diverged"


def test_the_signals_command_lists_every_signal(capsys):
    from hyperprune.cli import main

    assert main(["signals"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.strip().splitlines()] == signal_names()


def test_the_seeder_teaches_a_rank_signal_within_the_candidates_it_already_learnt():
    from hyperprune.tune.seeder import PoolSeeder

    class Backend:
        def __init__(self):
            self.asked, self.told = 0, []

        def ask(self):
            self.asked += 1
            return self.asked, {"method": "dst", "hparams": {"death_rate": self.asked / 10}}

        def tell(self, token, score):
            self.told.append((token, score))

    backend = Backend()
    seeder = PoolSeeder(
        backend,
        max_evals=3,
        concurrency=3,
        e0=1,
        sparsity=0.5,
        seed=0,
        metric_key="ls_distance",
        signal="rank",
        final_epochs=4,
    )
    trials = [seeder.suggest(f"t{i}") for i in range(3)]
    assert all(isinstance(t, dict) for t in trials)
    # reported out of order: the backend still learns in proposal order, each ranked among those before it
    for trial, (ls, loss) in zip(("t2", "t0", "t1"), ((0.2, 2.0), (0.1, 1.0), (0.3, 3.0)), strict=True):
        seeder.on_trial_result(trial, {"epoch": 1, "ls_distance": ls, "val_loss": loss})
    # t0 alone: mean rank 1; t1 among {t0, t1}: 2 (worst on both); t2 among all three: 2 (middle)
    assert backend.told == [(1, 1.0), (2, 2.0), (3, 2.0)]
