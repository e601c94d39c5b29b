"""batchify and bptt windows: shapes, contents and the last short window."""

import torch

from hyperprune.data.batching import batchify, bptt_batches, num_bptt_batches


def test_batchify_columns():
    data = batchify(torch.arange(23), 4)
    assert data.shape == (5, 4)
    assert data[:, 1].tolist() == [5, 6, 7, 8, 9]  # each column is a contiguous stretch


def test_bptt_shapes_and_targets():
    source = batchify(torch.arange(100), 5)  # (20, 5)
    batches = list(bptt_batches(source, 6))
    assert num_bptt_batches(source, 6) == len(batches) == 4
    assert [b[0].shape[0] for b in batches] == [6, 6, 6, 1]
    inputs, targets = batches[0]
    assert inputs.shape == (6, 5) and targets.shape == (30,)
    assert torch.equal(targets.view(6, 5), source[1:7])


def test_bptt_start_and_cap():
    source = batchify(torch.arange(100), 5)
    batches = list(bptt_batches(source, 6, start=1, max_batches=2))
    assert len(batches) == 2
    assert torch.equal(batches[0][0], source[6:12])
