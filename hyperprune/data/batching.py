"""Batching of a token stream for truncated back-propagation through time.

``batchify`` cuts a 1-D token stream into ``bsz`` equal columns (dropping the remainder), so
row ``t`` holds the ``t``-th token of every column; ``bptt_batches`` walks down the rows in
windows of ``bptt`` tokens, the targets being the inputs shifted by one.

Example::

    data = batchify(corpus.train, 20)           # (N, 20)
    for inputs, targets in bptt_batches(data, 35):
        ...                                     # inputs (35, 20), targets (700,)
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from hyperprune.errors import UserError


def batchify(data: torch.Tensor, bsz: int) -> torch.Tensor:
    """Reshape a 1-D stream into ``(N, bsz)`` columns; ``N = len(data) // bsz``."""
    if bsz < 1:
        raise UserError(f"batch size must be at least 1, got {bsz}")
    nbatch = data.numel() // bsz
    if nbatch < 2:
        raise UserError(f"{data.numel()} tokens are too few for batch size {bsz}; use a smaller batch size")
    return data[: nbatch * bsz].view(bsz, nbatch).t().contiguous()


def num_bptt_batches(source: torch.Tensor, bptt: int) -> int:
    """How many windows :func:`bptt_batches` yields over the whole of ``source``."""
    rows = source.size(0) - 1
    return (rows + bptt - 1) // bptt if rows > 0 else 0


def get_bptt_batch(source: torch.Tensor, index: int, bptt: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``index``-th window: inputs ``(T, B)`` and flattened targets ``(T*B,)``."""
    start = index * bptt
    length = min(bptt, source.size(0) - 1 - start)
    if length <= 0:
        raise IndexError(f"batch {index} is past the end of the data")
    inputs = source[start : start + length]
    targets = source[start + 1 : start + 1 + length].reshape(-1)
    return inputs, targets


def bptt_batches(
    source: torch.Tensor, bptt: int, start: int = 0, max_batches: int | None = None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield consecutive ``bptt`` windows from window index ``start``, at most ``max_batches``."""
    if bptt < 1:
        raise UserError(f"bptt must be at least 1, got {bptt}")
    total = num_bptt_batches(source, bptt)
    stop = total if max_batches is None else min(total, start + max_batches)
    for index in range(start, stop):
        yield get_bptt_batch(source, index, bptt)
