"""Exact global and layer-wise keep-top-k selections, and the prune-round schedule."""

import pytest
import torch
from torch import nn

from hyperprune.pruning.core.allocation import apportion
from hyperprune.pruning.core.kept_count import kept_count as keep_count
from hyperprune.pruning.core.masks import MaskSet
from hyperprune.pruning.core.prune_schedule import last_event_epoch, rounds_needed
from hyperprune.pruning.core.top_k import (
    global_keep,
    layerwise_keep,
    magnitude_scores,
    prune_to,
    random_scores,
)

torch.set_num_threads(1)


def two_layers():
    """Layer ``small`` has weights 0.01..0.08, layer ``large`` 1..8 (8 weights each)."""
    small = torch.arange(1, 9, dtype=torch.float32) / 100
    large = torch.arange(1, 9, dtype=torch.float32)
    scores = {"small": small.reshape(2, 4), "large": large.reshape(2, 4)}
    alive = {k: torch.ones_like(v, dtype=torch.bool) for k, v in scores.items()}
    return scores, alive


def test_global_prunes_the_small_layer_first():
    scores, alive = two_layers()
    kept = global_keep(scores, alive, 8)
    assert int(kept["small"].sum()) == 0
    assert int(kept["large"].sum()) == 8
    kept = global_keep(scores, alive, 10)
    # the two largest of the small layer survive alongside all of the large layer
    assert kept["small"].reshape(-1).tolist() == [False] * 6 + [True, True]
    assert int(kept["large"].sum()) == 8


def test_layerwise_prunes_the_same_fraction_of_every_layer():
    scores, alive = two_layers()
    kept = layerwise_keep(scores, alive, 8)
    assert int(kept["small"].sum()) == 4 and int(kept["large"].sum()) == 4
    # inside each layer the four largest stay
    assert kept["small"].reshape(-1).tolist() == [False] * 4 + [True] * 4
    assert kept["large"].reshape(-1).tolist() == [False] * 4 + [True] * 4


def test_only_alive_entries_are_ranked_and_counts_are_exact():
    scores, alive = two_layers()
    alive["large"][1] = False  # 4..8 of the large layer already pruned
    kept = global_keep(scores, alive, 5)
    assert int(kept["large"].sum()) == 4 and int(kept["small"].sum()) == 1
    assert not kept["large"][1].any()
    kept = layerwise_keep(scores, alive, 6)  # alive 8 and 4 -> keep 4 and 2
    assert int(kept["small"].sum()) == 4 and int(kept["large"].sum()) == 2


def test_ties_are_broken_by_position():
    scores = {"a": torch.zeros(3), "b": torch.zeros(3)}
    alive = {k: torch.ones(3, dtype=torch.bool) for k in scores}
    kept = global_keep(scores, alive, 4)
    assert kept["a"].tolist() == [True, True, True] and kept["b"].tolist() == [True, False, False]


def test_apportion_is_exact_and_proportional():
    assert apportion(10, [5, 5]) == [5, 5]
    assert apportion(7, [10, 5, 5]) == [3, 2, 2]  # 3.5, 1.75, 1.75: largest remainders
    assert sum(apportion(999, [333, 17, 5000])) == 999
    assert apportion(3, [0, 0]) == [0, 0]


def test_keep_count_and_prune_to_zero_weights():
    model = nn.Linear(10, 10, bias=False)
    masks = MaskSet(model, ["weight"])
    n_keep = keep_count(masks.total(), 0.73)
    assert n_keep == 27
    prune_to(masks, magnitude_scores(masks), n_keep)
    assert masks.kept() == 27 and int(torch.count_nonzero(model.weight)) == 27

def test_prune_to_keeps_the_largest_magnitudes():
    torch.manual_seed(0)
    model = nn.Linear(10, 10, bias=False)
    before = model.weight.detach().abs().clone()
    masks = MaskSet(model, ["weight"])
    prune_to(masks, magnitude_scores(masks), 40)
    keep = masks.masks["weight"]
    assert before[keep].min() > before[~keep].max()


def test_random_scores_choose_among_alive_only_and_follow_the_generator():
    torch.manual_seed(0)
    model = nn.Linear(20, 20, bias=False)

    def pruned(seed):
        masks = MaskSet(model, ["weight"])
        masks.masks["weight"][:10] = False
        gen = torch.Generator().manual_seed(seed)
        return layerwise_keep(random_scores(masks, gen), masks.masks, 100)["weight"]

    first, again, other = pruned(1), pruned(1), pruned(2)
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert not first[:10].any() and int(first.sum()) == 100


def test_rounds_needed_is_the_smallest_sufficient_count():
    assert rounds_needed(0.2, 0.0) == 0
    assert rounds_needed(0.2, 0.2) == 1
    assert rounds_needed(0.2, 0.5) == 4  # 0.8**3 = 0.512 > 0.5 >= 0.8**4
    assert rounds_needed(0.2, 0.8) == 8  # 0.8**7 = 0.21 > 0.2 >= 0.8**8
    assert rounds_needed(0.5, 0.75) == 2  # exactly (1 - 0.5) ** 2
    with pytest.raises(ValueError):
        rounds_needed(0.2, 1.0)


def test_deadline_epochs():
    assert last_event_epoch(1, 2, 10) == 8
    assert last_event_epoch(3, 2, 4) == 3
    assert last_event_epoch(1, 2, 1) == 1
