"""The seed noise of the ground truth, and what it allows an early metric to show.

Some candidates are trained again from other master seeds. From their final figures:

* ``seed_sd``: the pooled within-candidate standard deviation of the final figure across seeds
  (the noise of one training run), and the largest difference seen between two seeds;
* ``pool_sd``: the standard deviation of the final figure over the whole pool (one seed);
* ``reliability`` = 1 - seed_sd² / pool_sd²: the share of the pool's variance that is due to
  the candidates rather than the seed, and ``noise_ceiling`` = sqrt(reliability): the
  correlation a perfect early metric could reach with a final figure this noisy;
* ``retest_spearman``: Spearman of the replicated candidates' final figures between the first
  seed and each other seed (averaged), how well the final figure predicts itself;
* ``spread_exceeds_noise``: a one-sided F test (5%) of pool_sd² against seed_sd². Without it the
  pool's ranking by final figure is mostly the seed's luck and no early metric can be judged.
"""

from __future__ import annotations

import math

import numpy as np

from hyperprune.calibration.stats import correlation

ALPHA = 0.05


def pick_spread(ids: list[str], final: list[float], count: int) -> list[str]:
    """``count`` candidates spread evenly over the ranking by final figure (best and worst included)."""
    ranked = [cid for _, cid in sorted((f, cid) for cid, f in zip(ids, final, strict=True) if math.isfinite(f))]
    if count >= len(ranked):
        return ranked
    if count == 1:
        return [ranked[0]]
    positions = sorted({round(i * (len(ranked) - 1) / (count - 1)) for i in range(count)})
    return [ranked[p] for p in positions]


def seed_noise(pool_final: dict[str, float], replicate_finals: list[dict[str, float]]) -> dict:
    """Noise statistics from the pool's final figures and those of each replicate seed.

    ``replicate_finals`` holds, per other seed, candidate id -> final figure (NaN if diverged).
    """
    finals = [v for v in pool_final.values() if math.isfinite(v)]
    pool_sd = float(np.std(finals, ddof=1)) if len(finals) >= 2 else math.nan
    groups = []
    for cid, first in pool_final.items():
        values = [first] + [rep[cid] for rep in replicate_finals if cid in rep]
        values = [v for v in values if math.isfinite(v)]
        if len(values) >= 2:
            groups.append(values)
    out = {"replicated": len(groups), "seeds": 1 + len(replicate_finals), "pool_sd": _num(pool_sd),
           "seed_sd": None, "max_seed_difference": None, "reliability": None, "noise_ceiling": None,
           "retest_spearman": None, "f_statistic": None, "p_value": None, "spread_exceeds_noise": None}
    if not groups:
        return out
    dof = sum(len(g) - 1 for g in groups)
    within = sum(float(np.var(g, ddof=1)) * (len(g) - 1) for g in groups) / dof
    seed_sd = math.sqrt(within)
    out["seed_sd"] = seed_sd
    out["max_seed_difference"] = max(max(g) - min(g) for g in groups)
    retests = []
    for rep in replicate_finals:
        shared = [cid for cid in rep if cid in pool_final]
        rho = correlation("spearman", [pool_final[c] for c in shared], [rep[c] for c in shared])
        if math.isfinite(rho):
            retests.append(rho)
    out["retest_spearman"] = sum(retests) / len(retests) if retests else None
    if math.isfinite(pool_sd) and pool_sd > 0:
        reliability = max(0.0, 1.0 - within / pool_sd**2)
        out["reliability"] = reliability
        out["noise_ceiling"] = math.sqrt(reliability)
        if within > 0:
            from scipy.stats import f as f_distribution

            f_stat = pool_sd**2 / within
            out["f_statistic"] = f_stat
            out["p_value"] = float(f_distribution.sf(f_stat, len(finals) - 1, dof))
            out["spread_exceeds_noise"] = out["p_value"] < ALPHA
        else:
            out["spread_exceeds_noise"] = True
    return out


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None
