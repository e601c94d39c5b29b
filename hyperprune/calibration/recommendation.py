"""The recommendation rule: a schedule is recommended only where its pick cannot be luck.

A row of the schedule grid (signal, ``e0``, ``ei``, ``final_count``) qualifies when all hold:

1. the final figures' spread was measured against seed noise (replicates) and exceeds it;
2. ``e0`` is *comparable*: every candidate of the pool was rankable at that epoch (with the fair
   clock: pruned and trained since; :func:`first_comparable_epoch`), as in the search it is
   recommended for;
3. the signal's Spearman correlation with the final figure at ``e0`` has a lower bound above 0,
   one-sided at level ``1 - ERROR_RATE / m`` where ``m`` is the number of (signal, comparable
   ``e0``) pairs judged (Bonferroni: on a pool where no signal carries information, some pair
   passes by chance with probability at most ``ERROR_RATE``);
4. its regret stays within the tolerance at the ``REGRET_PERCENTILE``-th percentile of a seeded
   bootstrap: the candidates are resampled with replacement and the schedule is replayed on the
   resampled pool with the search's own halving book (:func:`regret_percentile`).

Among the qualifying rows the one with the least compute is recommended (ties: regret, signal
order, schedule). A pool of fewer than ``MIN_POOL`` candidates gets no recommendation: its
bootstrap resamples repeat so few candidates that their bounds mean nothing.
"""

from __future__ import annotations

import math

import numpy as np

from hyperprune.calibration.curves import Curves
from hyperprune.calibration.replay import regret, replay
from hyperprune.calibration.stats import finite_pairs, resample_indices, spearman_many

ERROR_RATE = 0.10
REGRET_PERCENTILE = 90
REGRET_SAMPLES = 200
MIN_POOL = 8


def first_comparable_epoch(curves: Curves, prune_by: int | None) -> int:
    """The first epoch at which every candidate was rankable: from the curves' ``rankable`` flags
    where they carry them (``[candidate][epoch - 1]``), else the calibration's first rung (its
    candidates were pruned by then), else 1."""
    rankable = getattr(curves, "rankable", None)
    if rankable:
        for epoch in range(1, curves.epochs + 1):
            if all(bool(row[epoch - 1]) for row in rankable if len(row) >= epoch):
                return max(epoch, 1)
        return curves.epochs
    return max(1, prune_by or 1)


def spearman_lower_bound(early, final, *, level: float, seed: int, samples: int) -> float | None:
    """One-sided percentile-bootstrap lower bound of Spearman's rho at ``level`` (None: undefined)."""
    x, y = finite_pairs(early, final)
    if len(x) < 3:
        return None
    index = resample_indices(len(x), samples, seed)
    boot = spearman_many(x[index], y[index])
    boot = boot[np.isfinite(boot)]
    return float(np.percentile(boot, (1.0 - level) * 100)) if len(boot) else None


def resampled(curves: Curves, index: np.ndarray) -> Curves:
    """The pool made of the candidates at ``index`` (repeats get their own ids, in draw order)."""
    pick = [int(i) for i in index]
    return Curves(
        ids=[f"{curves.ids[i]}#{k:03d}" for k, i in enumerate(pick)],
        epochs=curves.epochs,
        val_loss=[curves.val_loss[i] for i in pick],
        final=[curves.final[i] for i in pick],
        final_loss=[curves.final_loss[i] for i in pick],
        lower_is_better=curves.lower_is_better,
        metrics={m: [rows[i] for i in pick] for m, rows in curves.metrics.items()},
        pre_clock=[curves.pre_clock[i] for i in pick],
    )


def regret_percentile(
    curves: Curves,
    row: dict,
    *,
    seed: int,
    samples: int = REGRET_SAMPLES,
    percentile: float = REGRET_PERCENTILE,
) -> float | None:
    """The ``percentile``-th percentile of the schedule's regret over ``samples`` resampled pools
    (the same resamples for every row of a calibration); None if no resample has a winner."""
    regrets = []
    for index in resample_indices(curves.size, samples, seed + 1):
        pool = resampled(curves, index)
        outcome = replay(pool, row["metric"], row["e0"], row["ei"], row["final_count"])
        regrets.append(regret(pool, outcome.winner))
    finite = [r for r in regrets if math.isfinite(r)]
    if not finite:
        return None
    return float(np.percentile(np.array(regrets, dtype=float), percentile, method="higher"))


def choose(
    rows: list[dict],
    curves: Curves,
    *,
    tolerance: float,
    metrics: list[str],
    seed: int,
    samples: int = REGRET_SAMPLES,
) -> dict | None:
    """The least-compute qualifying row (gates 2-4; rows carry ``comparable`` and
    ``spearman_lower_bound``); fills ``regret_high`` of the rows it had to judge."""
    candidates = [
        r
        for r in rows
        if r["comparable"]
        and r["regret"] is not None
        and r["regret"] <= tolerance + 1e-12
        and (r["spearman_lower_bound"] or 0.0) > 0.0
    ]
    candidates.sort(
        key=lambda r: (
            r["epochs"],
            r["regret"],
            metrics.index(r["metric"]),
            r["e0"],
            r["ei"],
            r["final_count"],
        )
    )
    for row in candidates:
        if row.get("regret_high") is None:
            row["regret_high"] = regret_percentile(curves, row, seed=seed, samples=samples)
        if row["regret_high"] is not None and row["regret_high"] <= tolerance + 1e-12:
            return dict(row)
    return None
