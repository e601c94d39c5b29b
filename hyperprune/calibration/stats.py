"""Rank correlations of an early metric with the final figure, and their bootstrap intervals.

Both correlations are computed on many resamples at once with numpy: :func:`spearman_many`
(Pearson correlation of average ranks, as ``scipy.stats.spearmanr``) and :func:`kendall_many`
(Kendall's tau-b, as ``scipy.stats.kendalltau``). :func:`correlation_with_interval` resamples
the candidates with replacement (seeded) and reports the percentile 95% interval.

Example::

    >>> round(correlation_with_interval("spearman", [1, 2, 3, 4, 5], [2, 1, 4, 3, 5], seed=0)["value"], 2)
    0.8
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

BOOTSTRAP_SAMPLES = 1000
LEVEL = 0.95


def finite_pairs(xs: Sequence[float | None], ys: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both values are finite numbers, as two float arrays."""
    if len(xs) != len(ys):
        raise ValueError(f"sequences of different length: {len(xs)} and {len(ys)}")
    x = np.array([math.nan if v is None else float(v) for v in xs], dtype=float)
    y = np.array([math.nan if v is None else float(v) for v in ys], dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks (from 1) along the last axis; tied values share the mean of their ranks."""
    values = np.asarray(values, dtype=float)
    below = (values[..., :, None] > values[..., None, :]).sum(axis=-1)
    equal = (values[..., :, None] == values[..., None, :]).sum(axis=-1)
    return below + (equal + 1) / 2.0


def spearman_many(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair of ``x`` and ``y`` (shape ``(B, n)``); NaN if a side is constant."""
    rx, ry = average_ranks(x), average_ranks(y)
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    sxy = (rx * ry).sum(axis=-1)
    denom = np.sqrt((rx * rx).sum(axis=-1) * (ry * ry).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, sxy / np.where(denom > 0, denom, 1.0), np.nan)


def kendall_many(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of each row pair (shape ``(B, n)``); NaN if a side is constant."""
    sx = np.sign(x[..., :, None] - x[..., None, :])
    sy = np.sign(y[..., :, None] - y[..., None, :])
    concordance = (sx * sy).sum(axis=(-1, -2))
    denom = np.sqrt((sx * sx).sum(axis=(-1, -2)) * (sy * sy).sum(axis=(-1, -2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, concordance / np.where(denom > 0, denom, 1.0), np.nan)


CORRELATIONS = {"spearman": spearman_many, "kendall": kendall_many}


def correlation(kind: str, xs: Sequence[float | None], ys: Sequence[float | None]) -> float:
    """The correlation over the finite pairs; NaN with fewer than 3 pairs or a constant side."""
    x, y = finite_pairs(xs, ys)
    if len(x) < 3:
        return math.nan
    return float(CORRELATIONS[kind](x[None, :], y[None, :])[0])


def resample_indices(n: int, samples: int, seed: int) -> np.ndarray:
    """``samples`` rows of ``n`` indices drawn with replacement; the same rows for the same seed."""
    return np.random.default_rng(seed).integers(0, n, size=(samples, n))


def correlation_with_interval(kind: str, xs: Sequence[float | None], ys: Sequence[float | None], *,
                              seed: int, samples: int = BOOTSTRAP_SAMPLES) -> dict:
    """``{"value", "low", "high", "n"}``: the correlation and its percentile bootstrap interval.

    Candidates (pairs) are resampled with replacement ``samples`` times with a generator seeded
    by ``seed``; resamples where a side is constant (undefined correlation) are left out. The
    interval is ``None`` with fewer than 3 finite pairs.
    """
    x, y = finite_pairs(xs, ys)
    n = len(x)
    if n < 3:
        return {"value": None, "low": None, "high": None, "n": n}
    value = float(CORRELATIONS[kind](x[None, :], y[None, :])[0])
    idx = resample_indices(n, samples, seed)
    boot = CORRELATIONS[kind](x[idx], y[idx])
    boot = boot[np.isfinite(boot)]
    if not math.isfinite(value) or len(boot) == 0:
        return {"value": value if math.isfinite(value) else None, "low": None, "high": None, "n": n}
    tail = (1.0 - LEVEL) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail])
    return {"value": value, "low": float(low), "high": float(high), "n": n}


def top_k_overlap(scores: Sequence[float | None], final: Sequence[float | None], k: int) -> float | None:
    """Share of the ``k`` best by ``scores`` that are among the ``k`` best by ``final`` (lower is
    better for both; ties by position). Candidates missing either value are left out."""
    pairs = [(i, float(s), float(f)) for i, (s, f) in enumerate(zip(scores, final, strict=True))
             if s is not None and f is not None and math.isfinite(s) and math.isfinite(f)]
    k = min(k, len(pairs))
    if k < 1:
        return None
    by_score = {i for i, _, _ in sorted(pairs, key=lambda p: (p[1], p[0]))[:k]}
    by_final = {i for i, _, _ in sorted(pairs, key=lambda p: (p[2], p[0]))[:k]}
    return len(by_score & by_final) / k
