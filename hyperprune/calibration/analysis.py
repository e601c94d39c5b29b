"""The whole calibration analysis of one recorded pool: what ``calibration.json`` holds.

:func:`analyse` takes the curves (:class:`~.curves.Curves`: each candidate's inputs per epoch),
the seed-noise statistics (:func:`~.noise.seed_noise`) and the dense reference's record, and
returns a JSON-ready dict:

* ``metrics``: per early signal (:mod:`hyperprune.signals`) and epoch ``e < E``, Spearman and
  Kendall correlation of the signal's score at ``e`` with the final figure (oriented so that +1
  means the signal orders candidates exactly as their final quality does) with seeded bootstrap
  95% intervals, the top-k overlap, and whether the epoch is ``comparable`` (every candidate
  was rankable then, as in the search; earlier epochs are shown but not judged);
* ``schedules``: per signal and halving schedule ``(e0, ei, final_count)`` of the grid, the
  replayed winner, its regret (final figure minus the pool's best, in the figure's units), the
  ``REGRET_PERCENTILE``-th percentile of the regret over resampled pools (``regret_high``), the
  signal's one-sided Spearman lower bound at ``e0`` and the epochs the schedule spends;
  Curves are indexed by age (epochs since each candidate's last prune-and-rewind event), so
  rewinding methods are measured as a search with any first rung measures them;
* ``recommendation``: the least-compute schedule that passes every gate of
  :mod:`.recommendation` (noise measured and exceeded, comparable ``e0``, Spearman lower bound
  above 0, regret within tolerance at the high percentile); none otherwise, with the reason;
* ``noise`` and ``warnings`` (noise not measured, spread within noise, dense still improving);
* ``curves``: every candidate's score by each signal at epochs ``1..E`` (what the figures draw).
"""

from __future__ import annotations

import math

from hyperprune.calibration.curves import Curves
from hyperprune.calibration.recommendation import (
    ERROR_RATE,
    MIN_POOL,
    REGRET_PERCENTILE,
    REGRET_SAMPLES,
    choose,
    first_comparable_epoch,
    regret_percentile,
    spearman_lower_bound,
)
from hyperprune.calibration.replay import regret, replay
from hyperprune.calibration.signal_curves import score_curves
from hyperprune.calibration.stats import BOOTSTRAP_SAMPLES, LEVEL, correlation_with_interval, top_k_overlap

FINAL_COUNTS = (1, 2, 4)
DENSE_IMPROVEMENT = 0.01


def schedule_grid(pool_size: int, epochs: int, final_counts=FINAL_COUNTS) -> list[tuple[int, int, int]]:
    """Every ``(e0, ei, final_count)`` with a first rung before ``epochs``, a second rung within
    it, and fewer finalists than candidates."""
    grid = []
    for e0 in range(1, epochs):
        for ei in range(1, max(1, epochs - e0) + 1):
            for fc in final_counts:
                if fc < pool_size:
                    grid.append((e0, ei, fc))
    return grid


def correlations(scores: list[list[float]], final: list[float], epochs: int, *, seed: int, samples: int,
                 top_k: int, first_comparable: int = 1) -> list[dict]:
    rows = []
    for epoch in range(1, epochs):
        early = [row[epoch - 1] for row in scores]
        rows.append({
            "epoch": epoch,
            "comparable": epoch >= first_comparable,
            "spearman": correlation_with_interval("spearman", early, final, seed=seed, samples=samples),
            "kendall": correlation_with_interval("kendall", early, final, seed=seed, samples=samples),
            "top_k_overlap": top_k_overlap(early, final, top_k),
        })
    return rows


def schedules(curves: Curves, metrics: list[str], grid: list[tuple[int, int, int]],
              first_comparable: int = 1) -> list[dict]:
    full = curves.size * curves.epochs + sum(curves.pre_clock)  # every candidate trained fully, mask search included
    out = []
    for metric in metrics:
        for e0, ei, fc in grid:
            outcome = replay(curves, metric, e0, ei, fc)
            r = regret(curves, outcome.winner)
            out.append({"metric": metric, "e0": e0, "ei": ei, "final_count": fc, "winner": outcome.winner,
                        "regret": r if math.isfinite(r) else None, "regret_high": None,
                        "epochs": outcome.epochs, "epochs_fraction": outcome.epochs / full,
                        "comparable": e0 >= first_comparable, "spearman_lower_bound": None})
    return out


def recommend(rows: list[dict], tolerance: float, metrics: list[str]) -> dict | None:
    """The least-compute row whose point regret is within ``tolerance`` (no other gate: what
    :func:`analyse` starts from before judging the uncertainty)."""
    ok = [r for r in rows if r["regret"] is not None and r["regret"] <= tolerance + 1e-12]
    if not ok:
        return None
    best = min(ok, key=lambda r: (r["epochs"], r["regret"], metrics.index(r["metric"]), r["e0"], r["ei"],
                                  r["final_count"]))
    return dict(best)


def dense_check(dense: dict | None, epochs: int, lower_is_better: bool) -> dict:
    """Whether the dense reference's validation figure still improves by more than 1% an epoch at E."""
    values = [v for v in (dense or {}).get("val_metric") or [] if v is not None][:epochs]
    if len(values) < 2 or len(values) < epochs:
        return {"final": values[-1] if values else None, "improvement_last_epoch": None, "still_improving": None}
    prev, last = float(values[-2]), float(values[-1])
    gain = (prev - last) / abs(prev) if lower_is_better else (last - prev) / abs(prev)
    return {"final": last, "improvement_last_epoch": gain, "still_improving": gain > DENSE_IMPROVEMENT}


def _lower_bounds(scores: dict[str, list[list[float]]], final: list[float], epochs: int, first: int, *,
                  seed: int, samples: int) -> dict[tuple[str, int], float | None]:
    pairs = [(m, e) for m in scores for e in range(first, epochs)]
    level = 1.0 - ERROR_RATE / max(1, len(pairs))
    return {(m, e): spearman_lower_bound([row[e - 1] for row in scores[m]], final, level=level, seed=seed,
                                         samples=samples) for m, e in pairs}


def analyse(curves: Curves, metrics: list[str], *, noise: dict, dense: dict | None, tolerance: float,
            seed: int = 0, samples: int = BOOTSTRAP_SAMPLES, top_k: int | None = None,
            final_counts=FINAL_COUNTS, labels: dict[str, str] | None = None, prune_by: int | None = None,
            regret_samples: int = REGRET_SAMPLES, every_interval: bool = True) -> dict:
    """The analysis; ``every_interval=False`` bootstraps the regret only of the rows the
    recommendation has to judge (the same recommendation, faster)."""
    labels = labels or {}
    final = curves.final
    badness = curves.final_badness()
    finite = [(v, cid) for cid, v in zip(curves.ids, badness, strict=True) if math.isfinite(v)]
    best_badness, best_id = min(finite) if finite else (math.nan, None)
    best_value = final[curves.ids.index(best_id)] if best_id else None
    k = top_k or max(2, math.ceil(curves.size / 4))
    absolute = tolerance * abs(best_value) if best_value is not None else math.nan
    first = first_comparable_epoch(curves, prune_by)
    scores = {m: score_curves(curves, m) for m in metrics}
    grid = schedule_grid(curves.size, curves.epochs, final_counts)
    rows = schedules(curves, metrics, grid, first)
    bounds = _lower_bounds(scores, badness, curves.epochs, first, seed=seed, samples=samples)
    for row in rows:
        row["spearman_lower_bound"] = bounds.get((row["metric"], row["e0"]))
    if every_interval:
        for row in rows:
            if row["comparable"]:
                row["regret_high"] = regret_percentile(curves, row, seed=seed, samples=regret_samples)
    dense_state = dense_check(dense, curves.epochs, curves.lower_is_better)
    warnings, note, choice = [], None, None
    if noise.get("spread_exceeds_noise") is None:
        warnings.append("The seed noise of the final figure was not measured (use --replicates 2 or more): "
                        "the correlations cannot be judged against it, so no schedule is recommended.")
        note = "no recommendation: the seed noise of the final figure was not measured"
    elif not noise["spread_exceeds_noise"]:
        warnings.append(
            f"The pool's final figures do not spread beyond their seed noise (pool sd {_fmt(noise['pool_sd'])}, "
            f"seed sd {_fmt(noise['seed_sd'])}, F test p = {_fmt(noise['p_value'], 2)}): which candidate ends best "
            "is largely the seed's luck at this budget, so no early metric is recommended over another. Train "
            "longer (--epochs), or change the sparsity or the model size until the final figures separate.")
        note = "no recommendation: the final figures do not spread beyond seed noise"
    elif curves.size < MIN_POOL:
        note = f"no recommendation: {curves.size} candidates are too few to judge (at least {MIN_POOL})"
    elif math.isfinite(absolute):
        choice = choose(rows, curves, tolerance=absolute, metrics=metrics, seed=seed, samples=regret_samples)
    if first > 1:
        warnings.append(f"Epochs before {first} are not comparable (some candidate was not yet pruned and "
                        "trained as the network it finishes as): they are shown, never recommended.")
    if dense_state["still_improving"]:
        warnings.append(f"The dense reference's validation {('perplexity' if curves.lower_is_better else 'accuracy')} "
                        f"still improved by {dense_state['improvement_last_epoch']:.1%} in its last epoch: "
                        f"after {curves.epochs} epochs the runs are not final yet.")
    if choice is None and note is None:
        note = (f"no schedule at a comparable e0 (>= {first}) has a signal whose Spearman lower bound is above 0 "
                f"and a regret within the tolerance ({_fmt(absolute)}) at its {REGRET_PERCENTILE}th percentile")
    return {
        "pool_size": curves.size,
        "epochs": curves.epochs,
        "lower_is_better": curves.lower_is_better,
        "final": dict(zip(curves.ids, [v if math.isfinite(v) else None for v in final], strict=True)),
        "best": {"candidate_id": best_id, "value": best_value},
        "metrics": {m: {"label": labels.get(m, m),
                        "by_epoch": correlations(scores[m], badness, curves.epochs, seed=seed, samples=samples,
                                                 top_k=k, first_comparable=first)} for m in metrics},
        "top_k": k,
        "bootstrap": {"samples": samples, "seed": seed, "level": LEVEL},
        "rule": {"error_rate": ERROR_RATE, "regret_percentile": REGRET_PERCENTILE,
                 "regret_samples": regret_samples, "first_comparable_epoch": first,
                 "spearman_level": 1.0 - ERROR_RATE / max(1, len(bounds))},
        "schedules": rows,
        "full_training_epochs": curves.size * curves.epochs,
        "prune_by": prune_by,
        "curves": {m: dict(zip(curves.ids, [[v if math.isfinite(v) else None for v in row] for row in scores[m]],
                               strict=True)) for m in metrics},
        "tolerance": {"fraction": tolerance, "absolute": absolute if math.isfinite(absolute) else None},
        "recommendation": choice,
        "recommendation_note": note,
        "noise": noise,
        "dense": dense_state,
        "warnings": warnings,
    }


def _fmt(value, digits: int = 4) -> str:
    return f"{value:.{digits}g}" if isinstance(value, (int, float)) and math.isfinite(value) else "-"
