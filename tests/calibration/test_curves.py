"""Pool rows become aligned per-epoch curves; truncated (diverged) curves read as missing."""

import math

from hyperprune.calibration.curves import Curves
from hyperprune.searching.pool import empty_row


def _row(cid, losses, ppl, dist, status="finished"):
    row = empty_row(cid, f"t-{cid}")
    row.update(status=status, epochs=list(range(1, len(losses) + 1)), val_loss=losses, val_metric=ppl,
               ls_distance=dist)
    return row


def test_rows_align_on_epochs_and_controls_are_left_out():
    rows = [_row("c001", [6.0, 5.5, 5.0], [400.0, 250.0, 150.0], [3.0, 2.0, 1.0]),
            _row("c000", [6.1, math.nan], [450.0, math.nan], [3.5, math.nan], status="diverged"),
            _row("d000", [5.0, 4.0, 3.0], [150.0, 50.0, 20.0], [0.0, 0.0, 0.0], status="control")]
    curves = Curves.from_rows(rows, epochs=3)
    assert curves.ids == ["c000", "c001"]
    assert curves.at("ls", 1) == [3.5, 3.0] and curves.at("loss", 3)[1] == 5.0
    assert math.isnan(curves.at("ls", 3)[0]) and math.isnan(curves.val_loss[0][2])
    assert math.isnan(curves.final[0]) and curves.final[1] == 150.0 and curves.final_loss[1] == 5.0


def test_accuracy_is_turned_into_badness():
    rows = [_row("c000", [1.0, 0.5], [0.6, 0.8], [1.0, 1.0]), _row("c001", [1.0, 0.4], [0.6, 0.9], [1.0, 1.0])]
    curves = Curves.from_rows(rows, epochs=2, lower_is_better=False, metrics={"loss": "val_loss"})
    assert curves.final_badness() == [-0.8, -0.9]


def test_curves_are_indexed_by_age_and_replays_count_the_epochs_before_the_clock():
    from hyperprune.calibration.analysis import schedules
    from hyperprune.calibration.replay import replay

    # a ticket: two prune rounds (epochs 1, 2; age 0 after each rewind), then ages 1..3
    ticket = _row("c000", [6.0, 7.0, 5.0, 4.0, 3.0], [400.0, 1100.0, 150.0, 55.0, 20.0], [4.0, 9.0, 2.0, 1.0, 0.5])
    ticket.update(age=[0, 0, 1, 2, 3], cost_epochs=[1.0, 2.0, 2.0, 2.0, 2.0])
    dense_from_init = _row("c001", [5.5, 4.5, 3.5], [250.0, 90.0, 33.0], [3.0, 1.5, 1.0])
    dense_from_init.update(age=[1, 2, 3], cost_epochs=[0.0, 0.0, 0.0])
    curves = Curves.from_rows([ticket, dense_from_init], epochs=3)
    # at age 1 the ticket has trained one epoch since its rewind: never its rewound weights (7.0)
    assert curves.at("loss", 1) == [5.0, 5.5] and curves.at("ls", 3) == [0.5, 1.0]
    assert curves.final == [20.0, 33.0] and curves.pre_clock == [2, 0]
    outcome = replay(curves, "loss", e0=1, ei=1, final_count=1)
    assert outcome.winner == "c000" and outcome.epochs_by_candidate == {"c000": 3 + 2, "c001": 1}
    rows = schedules(curves, ["loss"], [(1, 1, 1), (2, 1, 1), (3, 1, 1)], first_comparable=2)
    assert [r["comparable"] for r in rows] == [False, True, True]
    assert rows[0]["epochs_fraction"] == (3 + 2 + 1) / (2 * 3 + 2)
