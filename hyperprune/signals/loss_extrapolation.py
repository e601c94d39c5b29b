"""``loss-extrapolation``: the validation loss a candidate's learning curve predicts for the
final epoch.

The validation losses of epochs ``1..rung`` are fitted (least squares,
``scipy.optimize.curve_fit``) with the power law ``L(t) = a + b * t**-c``, bounded to
``0 <= a <= min(L)``, ``b >= 0`` and ``0.05 <= c <= 4`` (a loss that decreases towards a floor
``a`` no lower than zero), and the fit's ``L(final_epoch)`` is the score. With fewer than three
finite points, or when the fit fails or predicts nothing finite, the score is the last
validation loss (what ``loss`` would rank by).

Example::

    >>> import numpy as np
    >>> t = np.arange(1, 7)
    >>> curve = 2.0 + 3.0 * t ** -0.8
    >>> round(float(LossExtrapolation().score({"loss": curve[None, :]}, epoch=6, final_epoch=10**6)[0]), 2)
    2.0
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from hyperprune.signals.registry import Signal

MIN_POINTS = 3
C_BOUNDS = (0.05, 4.0)


def power_law(t, a, b, c):
    return a + b * np.power(t, -c)


@functools.lru_cache(maxsize=65536)
def extrapolate(losses: tuple[float, ...], final_epoch: int) -> float:
    """The fitted ``a + b t^-c`` at ``final_epoch`` for losses at epochs ``1..len(losses)``;
    the last finite loss when there is too little to fit or the fit fails."""
    y = np.array(losses, dtype=float)
    if not np.isfinite(y[-1]):
        return math.inf
    t = np.arange(1, len(y) + 1, dtype=float)
    keep = np.isfinite(y)
    t, y = t[keep], y[keep]
    last = float(y[-1])
    if len(y) < MIN_POINTS:
        return last
    floor = max(float(y.min()), 1e-9)
    span = max(float(y.max() - y.min()), 1e-6)
    guess = (min(0.9 * floor, floor), max(span * 2, 1e-3), 0.5)
    try:
        from scipy.optimize import curve_fit

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, _ = curve_fit(
                power_law,
                t,
                y,
                p0=guess,
                bounds=([0.0, 0.0, C_BOUNDS[0]], [floor, np.inf, C_BOUNDS[1]]),
                maxfev=2000,
            )
    except (RuntimeError, ValueError):
        return last
    predicted = float(power_law(float(final_epoch), *params))
    return predicted if math.isfinite(predicted) else last


class LossExtrapolation(Signal):
    name = "loss-extrapolation"
    label = "validation loss extrapolated to the final epoch"
    inputs = ("loss",)

    def score(self, inputs: dict[str, np.ndarray], epoch: int, final_epoch: int) -> np.ndarray:
        losses = np.asarray(inputs["loss"], dtype=float)[:, :epoch]
        return np.array([extrapolate(tuple(float(v) for v in row), int(final_epoch)) for row in losses])
