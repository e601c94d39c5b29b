"""Figure: the early metric at the first rung against final quality, with Spearman's rho.

For the candidates trained to the full budget, one panel per early metric (LS distance and
validation loss, both recorded every epoch whatever the search ranked by) plots the value at
the first rung against the final validation figure. With fewer than three finished
candidates holding both values the page says so instead.
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.report.data import SearchData, at_epoch, finite
from hyperprune.report.figure import FINALIST_COLOR, WINNER_COLOR, Figure, new_figure, save
from hyperprune.report.stats import spearman

TITLE = "Early metric vs final quality"
MIN_POINTS = 3
METRICS = (("ls_distance", "LS distance (nats/step)"), ("val_loss", "validation loss (nats/token)"))


def _first_rung(data: SearchData, rows: list[dict]) -> int | None:
    if data.e0 is not None:
        return int(data.e0)
    common = set.intersection(*(set(r["epochs"] or []) for r in rows)) if rows else set()
    return min(common) if common else None


def correlation_points(data: SearchData) -> dict[str, dict]:
    """Per metric column: ``{"epoch", "ids", "x", "y", "rho"}`` over finished candidates."""
    finished = data.finished()
    epoch = _first_rung(data, finished)
    out = {}
    for column, _ in METRICS:
        ids, xs, ys = [], [], []
        for row in finished:
            x = at_epoch(row, column, epoch) if epoch is not None else None
            if finite(x):
                ids.append(row["candidate_id"])
                xs.append(float(x))
                ys.append(float(row["final_val_metric"]))
        rho = spearman(xs, ys) if len(xs) >= MIN_POINTS else None
        out[column] = {"epoch": epoch, "ids": ids, "x": xs, "y": ys, "rho": rho}
    return out


def plot_correlation(data: SearchData, folder: Path) -> Figure:
    points = correlation_points(data)
    usable = [(c, label) for c, label in METRICS if len(points[c]["x"]) >= MIN_POINTS]
    n_finished = len(data.finished())
    if not usable:
        return Figure(TITLE, note=f"Not enough finished candidates to correlate ({n_finished} trained to the full "
                                  f"budget with an early value; at least {MIN_POINTS} are needed). Raise "
                                  "--final-count to train more candidates fully, or run bench/ranking.py.")
    fig, axes = new_figure(5.0 * len(usable) + 0.5, 4.4, ncols=len(usable))
    quality = f"final validation {data.quality_name}"
    rows = []
    for ax, (column, label) in zip(axes, usable, strict=True):
        p = points[column]
        colors = [WINNER_COLOR if cid == data.winner_id else FINALIST_COLOR for cid in p["ids"]]
        ax.scatter(p["x"], p["y"], c=colors, s=36, zorder=2)
        for cid, x, y in zip(p["ids"], p["x"], p["y"], strict=True):
            ax.annotate(cid, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
        rho = p["rho"]
        ax.set_title(f"{label.split(' (')[0]} @ epoch {p['epoch']}: Spearman rho = "
                     + (f"{rho:.2f}" if finite(rho) else "undefined"))
        ax.set_xlabel(f"{label} at epoch {p['epoch']}")
        ax.set_ylabel(quality)
        ax.grid(alpha=0.3)
        ax.scatter([], [], c=WINNER_COLOR, label="winner")
        ax.scatter([], [], c=FINALIST_COLOR, label="other finished")
        ax.legend(fontsize=8)
        rows.append([label, p["epoch"], len(p["x"]), f"{rho:.3f}" if finite(rho) else "undefined"])
    missing = [label for c, label in METRICS if (c, label) not in usable]
    note = (f"{', '.join(missing)}: not enough finished candidates with that value." if missing else None)
    return Figure(TITLE, image=save(fig, folder, "correlation.png"), note=note,
                  table={"header": ["early metric", "epoch", "candidates", "Spearman rho"], "rows": rows},
                  caption="A rank correlation near 1 means the early metric orders candidates as their final "
                          "quality does. Only candidates trained to the full budget can be compared.")
