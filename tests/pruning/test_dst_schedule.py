"""Cosine death-rate schedule of DST."""

import pytest

from hyperprune.pruning.dst.death_schedule import CosineDeathRate


def test_cosine_values_at_start_middle_end():
    schedule = CosineDeathRate(0.5, 0.005, total_steps=1000)
    assert schedule(0) == pytest.approx(0.5)
    assert schedule(500) == pytest.approx(0.2525)
    assert schedule(250) == pytest.approx(0.005 + 0.495 * (1 + 2**-0.5) / 2)
    assert schedule(1000) == pytest.approx(0.005)
    assert schedule(5000) == pytest.approx(0.005)


def test_method_schedule_spans_the_run(hand_context):
    from hyperprune.pruning.registry import build_method

    ctx = hand_context(total_epochs=5, steps_per_epoch=4)
    method = build_method("dst", 0.5, {"death_rate": 0.3})
    method.setup(ctx)
    assert method.schedule.total_steps == 20
    assert method.schedule(10) == pytest.approx(0.005 + 0.295 / 2)
