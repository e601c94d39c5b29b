"""Random pruning: a uniformly random mask with the exact kept count (the usual baseline).

The mask is drawn from the method's own generator (seeded from the run's), so it is
reproducible under a seed. ``allocation=global`` draws ``round((1 - sparsity) * n)`` kept
weights anywhere; ``uniform`` keeps the same fraction of every layer, ``ER``/``ERK`` their
Erdos-Renyi fractions (counts by largest remainder, same total). With ``structure=filters``
whole conv filters are drawn per layer, with ``structure=units`` whole hidden units.

Example::

    method = build_method("random", 0.7, {"allocation": "uniform"})
"""

from __future__ import annotations

import torch

from hyperprune.pruning.early.early_mask import EarlyMaskMethod, early_hparams


class RandomMask(EarlyMaskMethod):
    name = "random"
    summary = "uniformly random mask with the exact kept count, global or per layer"
    HPARAMS = early_hparams(score_epoch=0)

    @classmethod
    def effective_hparams(cls, hp):
        # the draw ignores the weights: after a rewind (or at init) the score epochs leave nothing behind
        if hp.get("rewind", True) or hp.get("score_epoch") == 0:
            return {k: v for k, v in hp.items() if k not in ("score_epoch", "rewind")}
        return dict(hp)

    def choose(self) -> dict[str, torch.Tensor]:
        return self.space.random(self.rng)
