"""Shared fixtures: a tiny language-model spec and a test-only masking method."""

import pytest
import torch

from hyperprune.config import override, preset
from hyperprune.pruning.core.method import PruningMethod
from hyperprune.pruning.registry import METHODS

torch.set_num_threads(1)


class HalfMask(PruningMethod):
    """Masks a seeded half of every prunable weight at setup and keeps it masked."""

    name = "halfmask"

    def setup(self, ctx):
        super().setup(ctx)
        for _, _, mask in self.masks:
            keep = torch.rand(mask.shape, generator=ctx.generator) >= 0.5
            mask.copy_(keep)
        self.masks.apply()


@pytest.fixture
def half_mask(monkeypatch):
    monkeypatch.setitem(METHODS._entries, "halfmask", HalfMask)
    return "halfmask"


@pytest.fixture
def tiny_lm():
    return override(preset("tiny"), {
        "model.hidden_size": 16, "model.emb_size": 16, "train.max_batches": 5,
        "train.max_eval_batches": 5, "train.threads": 1,
    })
