"""Random search: independent draws from the space, the baseline every model-based backend must beat."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hyperprune.searching.space import Domain, SearchSpace


class RandomBackend:
    """Independent uniform sampling of the space (log-uniform where declared)."""

    def __init__(self, space: SearchSpace, seed: int, startup: int = 0) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.asked = 0

    def _sample(self, d: Domain) -> Any:
        if d.kind == "fixed":
            return d.value
        if d.kind == "choice":
            return d.choices[int(self.rng.integers(len(d.choices)))]
        if d.log:
            value = math.exp(self.rng.uniform(math.log(d.low), math.log(d.high)))
        elif d.step or d.kind == "int":
            step = d.step or 1
            n = int(round((d.high - d.low) / step))
            value = d.low + step * int(self.rng.integers(n + 1))
        else:
            value = self.rng.uniform(d.low, d.high)
        return d.snap(value)

    def ask(self) -> tuple[int, dict]:
        m = self.space.methods[int(self.rng.integers(len(self.space.methods)))]
        params = {k: self._sample(d) for k, d in m.params.items()}
        self.asked += 1
        return self.asked, self.space.repaired({"method": m.method, "hparams": params})

    #: every proposal is already a random draw
    ask_random = ask

    def tell(self, token: int, score: float) -> None:
        pass
