"""``ls``: the LS distance to the dense reference at the rung (the search's default signal)."""

from __future__ import annotations

import numpy as np

from hyperprune.signals.registry import Signal, latest


class LSDistance(Signal):
    name = "ls"
    label = "LS distance (L2)"
    inputs = ("ls",)
    task_kinds = ("lm",)

    def score(self, inputs: dict[str, np.ndarray], epoch: int, final_epoch: int) -> np.ndarray:
        return latest(inputs, "ls", epoch)
