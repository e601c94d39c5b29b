"""MagSign and magnitude rewinding: keep large weights (that kept their sign since init).

From "Deconstructing lottery tickets" (Zhou et al., 2019): after K dense epochs the score of
a weight is ``|w_K| * [w_K * w_init >= 0]``; weights whose sign flipped score zero. With
``score=magnitude`` it is plain ``|w_K|`` (one-shot lottery ticket with rewinding). At K = 0
both are magnitude at init. Kept: the top ``1 - sparsity`` of the masked weights globally, or
with ``structure=filters`` the filters with the highest mean score in every conv layer.

Example::

    method = build_method("magsign", 0.9, {"score_epoch": 2, "score": "magsign"})
"""

from __future__ import annotations

import torch

from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.early.early_mask import EarlyMaskMethod, early_hparams


class MagSign(EarlyMaskMethod):
    name = "magsign"
    summary = "magnitude of the epoch-K weights that kept their init sign, top-k kept, then rewind"
    HPARAMS = early_hparams(score_epoch=1) + (
        HParam("score", "choice", "magsign", choices=("magsign", "magnitude"),
               help="magsign: |w_K| if w_K has the sign of w_init, else 0; magnitude: |w_K|"),
    )

    def scores(self) -> dict[str, torch.Tensor]:
        out = {}
        for name, param, _ in self.masks:
            now = param.detach()
            score = now.abs()
            if self.hp["score"] == "magsign":
                start = self.init_state[name].to(now.device)
                score = score * (now * start >= 0)
            out[name] = score.clone()
        return out
