"""ls_distance numbers and the seeded evaluation batch."""

import math

import pytest
import torch

from hyperprune.lyapunov import ls_distance, ls_eval_tokens


def test_distance_of_one_dimensional_spectra_is_a_float():
    d = ls_distance(torch.tensor([0.0, -1.0]), torch.tensor([3.0, 3.0]))
    assert isinstance(d, float)
    assert d == 5.0
    assert ls_distance(torch.tensor([-0.5, -2.0, -4.0]), torch.tensor([-0.5, -2.0, -4.0])) == 0.0


def test_distance_of_batched_spectra_is_per_row():
    a = torch.zeros(4, 3, dtype=torch.float64)
    b = torch.ones(4, 3, dtype=torch.float64)
    b[1] = torch.tensor([1.0, 2.0, 2.0])
    d = ls_distance(a, b)
    assert isinstance(d, torch.Tensor) and d.shape == (4,)
    assert torch.allclose(d, torch.tensor([math.sqrt(3), 3.0, math.sqrt(3), math.sqrt(3)], dtype=d.dtype))


def test_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same batch shape"):
        ls_distance(torch.zeros(2, 3), torch.zeros(3))
    with pytest.raises(ValueError, match="scalar"):
        ls_distance(torch.tensor(1.0), torch.tensor(2.0))


def test_eval_tokens_are_seeded_contiguous_windows():
    corpus = torch.arange(1000)
    first = ls_eval_tokens(corpus, batch_size=3, steps=35, seed=7)
    again = ls_eval_tokens(corpus, batch_size=3, steps=35, seed=7)
    other = ls_eval_tokens(corpus, batch_size=3, steps=35, seed=8)
    assert first.shape == (35, 3) and first.dtype == torch.long
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    # Each column is one contiguous window inside its own third of the split.
    assert torch.equal(first - first[0], torch.arange(35).unsqueeze(1).expand(35, 3))
    for column in range(3):
        assert column * 333 <= first[0, column] and first[-1, column] < (column + 1) * 333


def test_eval_tokens_reject_a_split_that_is_too_short():
    with pytest.raises(ValueError, match="too short"):
        ls_eval_tokens(torch.arange(60), batch_size=2, steps=35, seed=0)
    with pytest.raises(ValueError, match="batch_size"):
        ls_eval_tokens(torch.arange(60), batch_size=0, steps=5, seed=0)
