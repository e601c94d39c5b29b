"""Sparse initialisation of DST: ER/ERK densities by hand, uniform exact counts, masks drawn."""

import pytest
import torch

from hyperprune.pruning.core.allocation import proportional_allocation
from hyperprune.pruning.core.layer_allocation import er_scale
from hyperprune.pruning.dst.sparse_init import init_counts, init_densities, sample_masks
from hyperprune.pruning.dst.units import Unit, build_units


def _unit(name, *shape):
    return Unit(name, 0, 1, 0, shape[0], tuple(shape))


UNITS = [_unit("a", 100, 20), _unit("b", 40, 40), _unit("c", 10, 500)]


def test_er_densities_follow_the_formula():
    # scales (r+c)/(r*c): 120/2000 = 0.06, 80/1600 = 0.05, 510/5000 = 0.102
    # kept = 0.3 * 8600 = 2580 = eps * (0.06*2000 + 0.05*1600 + 0.102*5000) = eps * 710
    eps = 2580 / 710
    densities = init_densities(UNITS, 0.3, "ER")
    assert densities == pytest.approx([eps * 0.06, eps * 0.05, eps * 0.102])
    counts = init_counts(UNITS, 0.3, "ER")
    assert sum(counts) == 2580
    for count, density, unit in zip(counts, densities, UNITS, strict=True):
        assert abs(count - density * unit.numel) < 1.0


def test_er_caps_dense_layers_and_resolves_eps():
    units = [_unit("small", 4, 3), _unit("big", 200, 100)]
    # uncapped eps would be 0.5*20012 / (7 + 300) = 32.6 -> small layer density 19 > 1
    densities = init_densities(units, 0.5, "ER")
    assert densities[0] == 1.0
    # the rest: 10006 - 12 = 9994 kept in the big layer -> eps = 9994 / 300
    assert densities[1] == pytest.approx((9994 / 300) * 300 / 20000)
    counts = init_counts(units, 0.5, "ER")
    assert counts == [12, 9994]


def test_erk_counts_kernel_dimensions_and_equals_er_in_2d():
    assert er_scale((8, 4, 3, 3), "ERK") == pytest.approx(18 / 288)
    assert er_scale((8, 4, 3, 3), "ER") == pytest.approx(12 / 32)
    assert er_scale((30, 7), "ERK") == er_scale((30, 7), "ER") == pytest.approx(37 / 210)


def test_uniform_is_exact_per_layer():
    counts = init_counts(UNITS, 0.33, "uniform")
    assert counts == [660, 528, 1650]


def test_sample_masks_keeps_exact_counts_and_depends_on_generator():
    masks = {u.name: torch.zeros(u.shape, dtype=torch.bool) for u in UNITS}
    counts = init_counts(UNITS, 0.25, "ER")
    sample_masks(masks, UNITS, counts, torch.Generator().manual_seed(1))
    assert [int(masks[u.name].sum()) for u in UNITS] == counts
    first = {k: v.clone() for k, v in masks.items()}
    sample_masks(masks, UNITS, counts, torch.Generator().manual_seed(2))
    assert any(not torch.equal(first[k], masks[k]) for k in masks)
    sample_masks(masks, UNITS, counts, torch.Generator().manual_seed(1))
    assert all(torch.equal(first[k], masks[k]) for k in masks)


def test_gatewise_units_split_lstm_and_gru_rows():
    lstm = torch.nn.Module()
    lstm.rnn = torch.nn.LSTM(5, 6, num_layers=2)
    units = build_units(lstm, ["rnn.weight_ih_l0", "rnn.weight_hh_l1"], gatewise=True)
    assert [u.label for u in units][:2] == ["rnn.weight_ih_l0[0]", "rnn.weight_ih_l0[1]"]
    assert len(units) == 8 and units[0].shape == (6, 5) and units[7].start == 18
    gru = torch.nn.Module()
    gru.rnn = torch.nn.GRU(5, 6)
    assert len(build_units(gru, ["rnn.weight_hh_l0"], gatewise=True)) == 3
    assert len(build_units(gru, ["rnn.weight_hh_l0"], gatewise=False)) == 1


def test_proportional_allocation_respects_caps_and_total():
    assert proportional_allocation(10, [1.0, 1.0, 2.0], [100, 1, 100]) == [3, 1, 6]
    assert proportional_allocation(7, [0.0, 0.0], [3, 5]) == [3, 4]
    assert proportional_allocation(6, [1.0, 0.0], [2, 10]) == [2, 4]
    with pytest.raises(ValueError):
        proportional_allocation(11, [1.0], [10])


def test_gatewise_units_of_rhn_are_candidate_and_transform_rows():
    from hyperprune.models.rhn import RHN

    model = torch.nn.Module()
    model.rnn = RHN(input_size=5, hidden_size=6, depth=2)
    units = build_units(model, ["rnn.weight_ih_l0", "rnn.weight_hh_l0_d1"], gatewise=True)
    assert [(u.label, u.start, u.stop) for u in units] == [
        ("rnn.weight_ih_l0[0]", 0, 6), ("rnn.weight_ih_l0[1]", 6, 12),
        ("rnn.weight_hh_l0_d1[0]", 0, 6), ("rnn.weight_hh_l0_d1[1]", 6, 12)]
