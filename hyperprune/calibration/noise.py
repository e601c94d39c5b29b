"""The seed noise of the ground truth, and what it allows an early signal to show.

Some candidates, drawn at random from the pool (seeded: :func:`pick_random`), are trained again
from other master seeds. Drawing them at random (not, say, the first seed's best and worst)
keeps regression to the mean out of the seed variance. From their final figures a one-way
analysis of variance (candidates as groups, seeds as replicates) gives:

* ``seed_sd``: the within-candidate standard deviation (root of the within mean square: the
  noise of one training run), and the largest difference seen between two seeds;
* ``between_ms`` / ``within_ms`` and the F test of the candidates' effect: ``f_statistic``,
  ``p_value`` and ``spread_exceeds_noise`` (p < 5%). Without it the pool's ranking by final
  figure is mostly the seed's luck and no early signal can be judged;
* ``reliability``: the intraclass correlation ICC(1) of a single run's final figure (the share
  of its variance due to the candidate rather than the seed) with its 95% interval
  (``reliability_low``, ``reliability_high``) from the F distribution;
* ``noise_ceiling`` (Spearman) and ``kendall_ceiling``: the rank correlation a perfect early
  signal could reach against a final figure this noisy, for normal scores
  ``(6/pi) asin(sqrt(R)/2)`` and ``(2/pi) asin(sqrt(R))``; the two differ, so they are drawn apart;
* ``pool_sd``: the standard deviation of the final figure over the whole pool (one seed), and
  ``retest_spearman``: Spearman of the replicated candidates' figures between the first seed and
  each other seed (averaged).
"""

from __future__ import annotations

import math

import numpy as np

from hyperprune.calibration.stats import correlation

ALPHA = 0.05
LEVEL = 0.95


def pick_random(ids: list[str], final: list[float], count: int, seed: int) -> list[str]:
    """``count`` candidates with a finite final figure, drawn at random without replacement with a
    generator seeded by ``seed`` (in pool order)."""
    finite = [cid for cid, f in zip(ids, final, strict=True) if math.isfinite(f)]
    if count >= len(finite):
        return finite
    chosen = set(np.random.default_rng(seed).choice(len(finite), size=count, replace=False).tolist())
    return [cid for i, cid in enumerate(finite) if i in chosen]


def rank_ceilings(reliability: float) -> tuple[float, float]:
    """(Spearman, Kendall) ceilings of a perfect signal against a figure of this reliability."""
    r = math.sqrt(max(0.0, min(1.0, reliability)))
    return 6 / math.pi * math.asin(r / 2), 2 / math.pi * math.asin(r)


def one_way_anova(groups: list[list[float]]) -> dict:
    """Mean squares, F test and ICC(1) with its interval for groups of replicate values."""
    from scipy.stats import f as f_distribution

    a = len(groups)
    sizes = np.array([len(g) for g in groups], dtype=float)
    n = sizes.sum()
    grand = np.concatenate([np.asarray(g, dtype=float) for g in groups]).mean()
    means = np.array([np.mean(g) for g in groups])
    ss_between = float((sizes * (means - grand) ** 2).sum())
    ss_within = float(sum(((np.asarray(g) - np.mean(g)) ** 2).sum() for g in groups))
    df_between, df_within = a - 1, int(n - a)
    ms_between = ss_between / df_between if df_between else math.nan
    ms_within = ss_within / df_within if df_within else math.nan
    k0 = (n - (sizes**2).sum() / n) / df_between if df_between else math.nan
    out = {"between_ms": ms_between, "within_ms": ms_within, "df": [df_between, df_within], "k0": k0,
           "f_statistic": None, "p_value": None, "icc": None, "icc_low": None, "icc_high": None}
    if not (df_between and df_within) or not ms_within > 0:
        return out
    f_stat = ms_between / ms_within
    tail = (1 - LEVEL) / 2
    f_low = f_stat / f_distribution.ppf(1 - tail, df_between, df_within)
    f_high = f_stat * f_distribution.ppf(1 - tail, df_within, df_between)
    icc = (f_stat - 1) / (f_stat + k0 - 1)
    out.update(f_statistic=f_stat, p_value=float(f_distribution.sf(f_stat, df_between, df_within)), icc=icc,
               icc_low=(f_low - 1) / (f_low + k0 - 1), icc_high=(f_high - 1) / (f_high + k0 - 1))
    return out


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
           "seed_sd": None, "max_seed_difference": None, "between_ms": None, "within_ms": None, "df": None,
           "reliability": None, "reliability_low": None, "reliability_high": None, "noise_ceiling": None,
           "kendall_ceiling": None, "retest_spearman": None, "f_statistic": None, "p_value": None,
           "spread_exceeds_noise": None}
    if not groups:
        return out
    anova = one_way_anova(groups)
    out.update(between_ms=_num(anova["between_ms"]), within_ms=_num(anova["within_ms"]), df=anova["df"])
    out["seed_sd"] = math.sqrt(anova["within_ms"]) if math.isfinite(anova["within_ms"]) else None
    out["max_seed_difference"] = max(max(g) - min(g) for g in groups)
    retests = []
    for rep in replicate_finals:
        shared = [cid for cid in rep if cid in pool_final]
        rho = correlation("spearman", [pool_final[c] for c in shared], [rep[c] for c in shared])
        if math.isfinite(rho):
            retests.append(rho)
    out["retest_spearman"] = sum(retests) / len(retests) if retests else None
    if anova["icc"] is None:
        if anova["df"][1] and anova["within_ms"] == 0 and anova["between_ms"] > 0:
            out.update(reliability=1.0, reliability_low=1.0, reliability_high=1.0, spread_exceeds_noise=True)
            out["noise_ceiling"], out["kendall_ceiling"] = rank_ceilings(1.0)
        return out
    clamp = lambda v: min(1.0, max(0.0, v))  # noqa: E731
    out.update(reliability=clamp(anova["icc"]), reliability_low=clamp(anova["icc_low"]),
               reliability_high=clamp(anova["icc_high"]), f_statistic=anova["f_statistic"],
               p_value=anova["p_value"], spread_exceeds_noise=anova["p_value"] < ALPHA)
    out["noise_ceiling"], out["kendall_ceiling"] = rank_ceilings(out["reliability"])
    return out


def _num(value: float) -> float | None:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None
