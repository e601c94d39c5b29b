"""Each signal's score of every candidate at every epoch, from a calibration's recorded inputs.

At epoch ``e`` a signal scores the whole pool from the inputs of epochs ``1..e`` (for a rank
combination: ranks within the pool), which is what a search would see if every candidate
reached that rung. A name that is not a signal (or whose inputs were not recorded) is a curve
of ``curves.metrics`` taken as it is.
"""

from __future__ import annotations

import numpy as np

from hyperprune.calibration.curves import Curves


def ranked_signal(curves: Curves, name: str):
    """The signal ``name`` when its inputs are all in ``curves``; None for a plain curve."""
    from hyperprune.signals.registry import SIGNALS, get_signal

    if name not in SIGNALS:
        return None
    signal = get_signal(name)
    return signal if all(i in curves.metrics for i in signal.inputs) else None


def score_curves(curves: Curves, name: str) -> list[list[float]]:
    """``[candidate][epoch - 1]``: the score of every candidate at epochs ``1..E``."""
    signal = ranked_signal(curves, name)
    if signal is None:
        return [list(row) for row in curves.metrics[name]]
    inputs = {i: np.array(curves.metrics[i], dtype=float) for i in signal.inputs}
    by_epoch = [
        signal.score({i: v[:, :e] for i, v in inputs.items()}, e, curves.epochs)
        for e in range(1, curves.epochs + 1)
    ]
    return np.array(by_epoch, dtype=float).T.tolist()
