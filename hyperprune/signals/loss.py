"""``loss``: the validation loss at the rung."""

from __future__ import annotations

import numpy as np

from hyperprune.signals.registry import Signal, latest


class ValidationLoss(Signal):
    name = "loss"
    label = "validation loss"
    inputs = ("loss",)

    def score(self, inputs: dict[str, np.ndarray], epoch: int, final_epoch: int) -> np.ndarray:
        return latest(inputs, "loss", epoch)
