"""The fixed evaluation batch the LS is measured on, the same for every candidate.

The split is cut into ``batch_size`` equal segments and each column is one contiguous
window of ``steps`` tokens at a seeded random offset inside its segment: windows are
disjoint and spread over the whole split, and a seed fixes them exactly.

Example::

    tokens = ls_eval_tokens(valid_ids, batch_size=2, steps=35, seed=0)   # LongTensor (35, 2)
"""

from __future__ import annotations

import torch
from torch import Tensor


def ls_eval_tokens(tokens_1d: Tensor, batch_size: int, steps: int, seed: int) -> Tensor:
    """``(steps, batch_size)`` token windows from ``tokens_1d``, chosen by ``seed`` only."""
    if not isinstance(tokens_1d, Tensor) or tokens_1d.dim() != 1:
        raise ValueError("tokens_1d must be a 1-D tensor of token ids")
    for name, value in (("batch_size", batch_size), ("steps", steps)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    segment = tokens_1d.numel() // batch_size
    if segment < steps:
        raise ValueError(
            f"split of {tokens_1d.numel()} tokens is too short for {batch_size} windows of {steps} tokens"
        )
    generator = torch.Generator().manual_seed(int(seed))
    offsets = torch.randint(0, segment - steps + 1, (batch_size,), generator=generator)
    starts = offsets + torch.arange(batch_size) * segment
    index = starts.unsqueeze(0) + torch.arange(steps).unsqueeze(1)
    return tokens_1d[index.to(tokens_1d.device)].long()
