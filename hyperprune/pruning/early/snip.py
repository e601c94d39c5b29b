"""SNIP: keep the connections the loss is most sensitive to (Lee et al., 2019).

The sensitivity of connection ``j`` is ``|dL/dc_j| = |g_j * w_j|`` for a mask variable
``c_j`` multiplying weight ``w_j``; it is averaged over ``n_batches`` training batches (the
reference re-read one batch), normalised to sum to one, and the top ``1 - sparsity`` of the
masked weights are kept in one global ranking (with ``structure=filters``: the filters with
the highest mean sensitivity in every conv layer). Gradients are taken in eval mode (no
dropout noise, batch norm not updated) and never left in ``.grad``.

Example::

    method = build_method("snip", 0.8, {"n_batches": 4})      # mask at init, then rewind
"""

from __future__ import annotations

import torch

from hyperprune.pruning.core.cost import STEP_PASSES
from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.early.early_mask import EarlyMaskMethod, early_hparams


class Snip(EarlyMaskMethod):
    name = "snip"
    summary = "SNIP connection sensitivity |grad * w| on a few batches, top-k kept, then rewind"
    HPARAMS = early_hparams(score_epoch=0) + (
        HParam("n_batches", "int", 4, low=1, high=32, step=1,
               help="training batches the sensitivity is averaged over"),
    )

    COST_HPARAMS = ("n_batches",)

    @classmethod
    def extra_passes(cls, hp, shape):
        return float(STEP_PASSES * hp["n_batches"])

    def scores(self) -> dict[str, torch.Tensor]:
        model = self.ctx.model
        names = list(self.masks.names)
        params = [self.masks.params[name] for name in names]
        batches = self.ctx.batches("train", int(self.hp["n_batches"]))
        model.eval()
        total = [torch.zeros_like(p) for p in params]
        for batch in batches:
            loss = self.ctx.loss(model, batch)
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            for acc, grad, param in zip(total, grads, params, strict=True):
                if grad is not None:
                    acc.add_((grad * param.detach()).abs())
        means = [t / len(batches) for t in total]
        norm = sum(float(m.sum()) for m in means)
        scale = 1.0 / norm if norm > 0 else 1.0
        return {name: (m * scale).detach() for name, m in zip(names, means, strict=True)}
