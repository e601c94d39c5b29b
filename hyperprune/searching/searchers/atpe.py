"""hyperopt's adaptive TPE."""

from __future__ import annotations

import random

import numpy as np

from hyperprune.searching.searchers.hyperopt_base import HyperoptBackend


class ATPEBackend(HyperoptBackend):
    """Adaptive TPE (hyperopt.atpe; needs lightgbm and scikit-learn).

    ATPE draws from Python's global ``random``; we seed it per proposal so runs repeat, and it
    only ever sees completed trials (it fails on running ones).
    """

    algorithm = "atpe"

    def _suggest(self, new_id: int, trials) -> list[dict]:
        from hyperopt import atpe

        if len(self.completed) < self.startup:
            return super()._suggest(new_id, trials)
        state = random.getstate()
        np_state = np.random.get_state()
        random.seed(self.seed * 100_003 + new_id)
        np.random.seed((self.seed * 100_003 + new_id) % 2**32)
        try:
            return atpe.suggest([new_id], self.domain, trials, self.seed + new_id)
        finally:
            random.setstate(state)
            np.random.set_state(np_state)
