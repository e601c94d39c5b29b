"""The whole calibration analysis of one recorded pool: what ``calibration.json`` holds.

:func:`analyse` takes the curves (:class:`~.curves.Curves`), the seed-noise statistics
(:func:`~.noise.seed_noise`) and the dense reference's record, and returns a JSON-ready dict:

* ``metrics``: per early metric and epoch ``e < E``, Spearman and Kendall correlation with the
  final figure (oriented so that +1 means the metric orders candidates exactly as their final
  quality does) with seeded bootstrap 95% intervals, and the top-k overlap;
* ``schedules``: per metric and halving schedule ``(e0, ei, final_count)`` of the grid, the
  replayed winner, its regret (final figure minus the pool's best, in the figure's units) and
  the epochs the schedule spends. Curves are indexed by age (epochs since each candidate's last
  prune-and-rewind event), so rewinding methods are measured as a search with any first rung
  measures them. Methods that prune without rewinding were narrowed to prune before the
  calibration's first rung ``prune_by``; a schedule whose ``e0`` is earlier would rank them
  before their mask is final, which no search does (``same_first_rung`` is true for the
  schedules replayed under a search's own conditions: ``e0 >= prune_by``);
* ``recommendation``: the metric and schedule with the least compute whose regret is within
  the tolerance (a fraction of the best final figure); none when no schedule qualifies, or when
  the pool's final figures do not spread beyond their seed noise (then no metric is
  recommended over another);
* ``noise`` and ``warnings`` (noise not measured, spread within noise, dense still improving);
* ``curves``: every candidate's early metrics at epochs ``1..E`` (what the figures draw).
"""

from __future__ import annotations

import math

from hyperprune.calibration.curves import Curves
from hyperprune.calibration.replay import regret, replay
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


def correlations(curves: Curves, metric: str, *, seed: int, samples: int, top_k: int) -> list[dict]:
    final = curves.final_badness()
    rows = []
    for epoch in range(1, curves.epochs):
        early = curves.at(metric, epoch)
        rows.append({
            "epoch": epoch,
            "spearman": correlation_with_interval("spearman", early, final, seed=seed, samples=samples),
            "kendall": correlation_with_interval("kendall", early, final, seed=seed, samples=samples),
            "top_k_overlap": top_k_overlap(early, final, top_k),
        })
    return rows


def schedules(curves: Curves, metrics: list[str], grid: list[tuple[int, int, int]],
              prune_by: int | None = None) -> list[dict]:
    full = curves.size * curves.epochs
    out = []
    for metric in metrics:
        for e0, ei, fc in grid:
            outcome = replay(curves, metric, e0, ei, fc)
            r = regret(curves, outcome.winner)
            out.append({"metric": metric, "e0": e0, "ei": ei, "final_count": fc, "winner": outcome.winner,
                        "regret": r if math.isfinite(r) else None, "epochs": outcome.epochs,
                        "epochs_fraction": outcome.epochs / full,
                        "same_first_rung": prune_by is None or e0 >= prune_by})
    return out


def recommend(rows: list[dict], tolerance: float, metrics: list[str]) -> dict | None:
    """The least-compute schedule with regret within ``tolerance`` (ties: regret, metric order, schedule)."""
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


def analyse(curves: Curves, metrics: list[str], *, noise: dict, dense: dict | None, tolerance: float,
            seed: int = 0, samples: int = BOOTSTRAP_SAMPLES, top_k: int | None = None,
            final_counts=FINAL_COUNTS, labels: dict[str, str] | None = None, prune_by: int | None = None) -> dict:
    labels = labels or {}
    final = curves.final
    finite = [(v, cid) for cid, v in zip(curves.ids, curves.final_badness(), strict=True) if math.isfinite(v)]
    best_badness, best_id = min(finite) if finite else (math.nan, None)
    best_value = final[curves.ids.index(best_id)] if best_id else None
    k = top_k or max(2, math.ceil(curves.size / 4))
    absolute = tolerance * abs(best_value) if best_value is not None else math.nan
    grid = schedule_grid(curves.size, curves.epochs, final_counts)
    rows = schedules(curves, metrics, grid, prune_by)
    choice = recommend(rows, absolute, metrics) if math.isfinite(absolute) else None
    dense_state = dense_check(dense, curves.epochs, curves.lower_is_better)
    warnings, note = [], None
    if noise.get("spread_exceeds_noise") is None:
        warnings.append("The seed noise of the final figure was not measured (use --replicates 2 or more): "
                        "the correlations cannot be judged against it.")
    elif not noise["spread_exceeds_noise"]:
        warnings.append(
            f"The pool's final figures do not spread beyond their seed noise (pool sd {_fmt(noise['pool_sd'])}, "
            f"seed sd {_fmt(noise['seed_sd'])}, F test p = {_fmt(noise['p_value'], 2)}): which candidate ends best "
            "is largely the seed's luck at this budget, so no early metric is recommended over another. Train "
            "longer (--epochs), or change the sparsity or the model size until the final figures separate.")
        note = "no recommendation: the final figures do not spread beyond seed noise"
        choice = None
    if dense_state["still_improving"]:
        warnings.append(f"The dense reference's validation {('perplexity' if curves.lower_is_better else 'accuracy')} "
                        f"still improved by {dense_state['improvement_last_epoch']:.1%} in its last epoch: "
                        f"after {curves.epochs} epochs the runs are not final yet.")
    if choice is None and note is None:
        note = f"no schedule's pick stays within the tolerance ({_fmt(absolute)})"
    return {
        "pool_size": curves.size,
        "epochs": curves.epochs,
        "lower_is_better": curves.lower_is_better,
        "final": dict(zip(curves.ids, [v if math.isfinite(v) else None for v in final], strict=True)),
        "best": {"candidate_id": best_id, "value": best_value},
        "metrics": {m: {"label": labels.get(m, m),
                        "by_epoch": correlations(curves, m, seed=seed, samples=samples, top_k=k)} for m in metrics},
        "top_k": k,
        "bootstrap": {"samples": samples, "seed": seed, "level": LEVEL},
        "schedules": rows,
        "full_training_epochs": curves.size * curves.epochs,
        "prune_by": prune_by,
        "curves": {m: dict(zip(curves.ids, [[v if math.isfinite(v) else None for v in row] for row in curves.metrics[m]],
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
