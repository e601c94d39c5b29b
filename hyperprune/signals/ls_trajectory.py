"""``ls-trajectory``: the trajectory variant of the LS distance at the rung (epochs ``0..rung``
projected on two principal components); a search ranking by it measures that variant."""

from __future__ import annotations

import numpy as np

from hyperprune.signals.registry import Signal, latest


class LSTrajectory(Signal):
    name = "ls-trajectory"
    label = "LS distance (trajectory)"
    inputs = ("ls-trajectory",)
    task_kinds = ("lm",)
    search_flags = {"ls_distance": "trajectory"}

    def score(self, inputs: dict[str, np.ndarray], epoch: int, final_epoch: int) -> np.ndarray:
        return latest(inputs, "ls-trajectory", epoch)
