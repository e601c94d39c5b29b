"""Death-rate schedule of dynamic sparse training: cosine decay over the run's own length.

The reference code annealed the death rate with a cosine from ``death_rate`` to ``eta_min``
over a hard-coded 100 epochs, whatever the real budget was; here the horizon is the run's
``total_epochs * steps_per_epoch`` optimizer steps, so the rate reaches its minimum exactly at
the end of training.

Example::

    schedule = CosineDeathRate(0.5, 0.005, total_steps=1000)
    schedule(0), schedule(500), schedule(1000)     # 0.5, 0.2525, 0.005
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class CosineDeathRate:
    """``rate(step) = min + (start - min) * (1 + cos(pi * step / total_steps)) / 2``."""

    start: float
    minimum: float
    total_steps: int

    def __call__(self, step: int) -> float:
        if self.total_steps <= 0:
            return self.start
        progress = min(max(step, 0), self.total_steps) / self.total_steps
        return self.minimum + (self.start - self.minimum) * (1.0 + math.cos(math.pi * progress)) / 2.0
