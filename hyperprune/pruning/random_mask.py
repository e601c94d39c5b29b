"""Random pruning: a uniformly random mask with the exact kept count (the usual baseline).

The mask is drawn from the method's own generator (seeded from the run's), so it is
reproducible under a seed. ``scope=global`` draws ``round((1 - sparsity) * n)`` kept weights
anywhere; ``scope=layerwise`` keeps the same fraction of every layer (counts by largest
remainder, same total). With ``structure=filters`` whole conv filters are drawn per layer.

Example::

    method = build_method("random", 0.7, {"scope": "layerwise"})
"""

from __future__ import annotations

import torch

from hyperprune.pruning.early_mask import EarlyMaskMethod, early_hparams
from hyperprune.pruning.hparams import HParam


class RandomMask(EarlyMaskMethod):
    name = "random"
    summary = "uniformly random mask with the exact kept count, global or per layer"
    HPARAMS = early_hparams(score_epoch=0) + (
        HParam("scope", "choice", "global", choices=("global", "layerwise"),
               help="global: one draw over all masked weights; layerwise: same fraction per layer"),
    )

    def __init__(self, sparsity: float, hparams: dict | None = None) -> None:
        super().__init__(sparsity, hparams)
        self.scope = self.hp["scope"]

    def choose(self) -> dict[str, torch.Tensor]:
        return self.space.random(self.rng)
