"""``rank``: a rank combination of the LS distance and the validation loss within a rung.

Every candidate at the rung is ranked by its LS distance and, separately, by its validation
loss (1 = lowest; tied values share the mean of their ranks); its score is the mean of its two
ranks, so a candidate must be good on both to lead. A candidate missing either value (diverged)
scores infinity and is excluded. The score of a candidate depends on who else is at the rung.

Example::

    >>> import numpy as np
    >>> RankCombination().score({"ls": np.array([[1.0], [3.0], [2.0]]),
    ...                          "loss": np.array([[5.0], [4.0], [6.0]])}, epoch=1, final_epoch=4).tolist()
    [1.5, 2.0, 2.5]
"""

from __future__ import annotations

import numpy as np

from hyperprune.signals.registry import Signal, latest


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1 (lowest value first); equal values share the mean of their ranks."""
    values = np.asarray(values, dtype=float)
    below = (values[:, None] > values[None, :]).sum(axis=1)
    equal = (values[:, None] == values[None, :]).sum(axis=1)
    return below + (equal + 1) / 2.0


class RankCombination(Signal):
    name = "rank"
    label = "rank of LS distance + rank of loss"
    inputs = ("ls", "loss")
    task_kinds = ("lm",)
    rung_wide = True

    def score(self, inputs: dict[str, np.ndarray], epoch: int, final_epoch: int) -> np.ndarray:
        columns = [latest(inputs, name, epoch) for name in self.inputs]
        ok = np.logical_and.reduce([np.isfinite(c) for c in columns])
        out = np.full(len(ok), np.inf)
        if ok.any():
            out[ok] = np.mean([average_ranks(c[ok]) for c in columns], axis=0)
        return out
