"""Death rules of DST on hand-built weight tensors."""

import torch

from hyperprune.pruning.dst.death import global_magnitude_death, magnitude_death, set_death, threshold_death


def _idx(removed):
    return sorted(torch.nonzero(removed).flatten().tolist())


W = torch.tensor([0.5, -0.1, 0.2, -0.9, 0.05, -0.02, 0.7, -0.3])


def test_set_removes_smallest_positive_and_negative_closest_to_zero():
    removed = set_death(W, torch.ones(8, dtype=torch.bool), k=4)
    # positives ascending: 0.05 (4), 0.2 (2); negatives closest to zero: -0.02 (5), -0.1 (1)
    assert _idx(removed) == [1, 2, 4, 5]
    # the reference rule would have removed the most negative weights -0.9 (3) and -0.3 (7)
    assert not removed[3] and not removed[7]


def test_set_odd_count_and_sign_shortage():
    assert _idx(set_death(W, torch.ones(8, dtype=torch.bool), k=3)) == [2, 4, 5]  # two positives, one negative
    only_positive_left = torch.tensor([True, False, True, False, True, False, True, False])
    # no alive negatives: all three come from the positives 0.05, 0.2, 0.5
    assert _idx(set_death(W, only_positive_left, k=3)) == [0, 2, 4]


def test_magnitude_ignores_dead_weights():
    mask = torch.ones(8, dtype=torch.bool)
    mask[5] = False  # -0.02 is already dead
    assert _idx(magnitude_death(W, mask, k=3)) == [1, 2, 4]


def test_threshold_keeps_weights_above_threshold():
    assert _idx(threshold_death(W, torch.ones(8, dtype=torch.bool), 0.1)) == [1, 4, 5]


def test_global_magnitude_hits_exact_count_across_units():
    gen = torch.Generator().manual_seed(0)
    weights = [torch.randn(300, generator=gen), 0.1 * torch.randn(500, generator=gen), torch.randn(50, generator=gen)]
    masks = [torch.rand(w.shape, generator=gen) < 0.6 for w in weights]
    alive = sum(int(m.sum()) for m in masks)
    k = int(0.37 * alive)
    removed = global_magnitude_death(weights, masks, k)
    assert sum(int(r.sum()) for r in removed) == k
    assert all(not (r & ~m).any() for r, m in zip(removed, masks, strict=True))
    # every removed magnitude is <= every surviving alive magnitude: one global threshold
    gone = torch.cat([w[r].abs() for w, r in zip(weights, removed, strict=True)])
    kept = torch.cat([w[m & ~r].abs() for w, m, r in zip(weights, masks, removed, strict=True)])
    assert gone.max() <= kept.min()
    # the small-scale unit loses far more than its proportional share
    assert int(removed[1].sum()) > 0.37 * int(masks[1].sum()) * 1.5
