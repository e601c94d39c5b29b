"""Figure: validation quality per epoch for every candidate, excluded ones faded."""

from __future__ import annotations

from pathlib import Path

from hyperprune.report.data import SearchData, finite
from hyperprune.report.figure import (
    DENSE_COLOR,
    FADED_COLOR,
    FINALIST_COLOR,
    WINNER_COLOR,
    Figure,
    integer_x,
    new_figure,
    save,
)

TITLE = "Learning curves"


def plot_curves(data: SearchData, folder: Path) -> Figure:
    drawn = 0
    fig, (ax,) = new_figure(8.0, 4.8)
    seen, all_x = set(), []
    for row in sorted(data.rows, key=lambda r: (r["candidate_id"] == data.winner_id, r["round_excluded"] is None)):
        pairs = [(e, v) for e, v in zip(row["epochs"] or [], row["val_metric"] or [], strict=False) if finite(v)]
        if not pairs:
            continue
        drawn += 1
        if row["candidate_id"] == data.winner_id:
            style = dict(color=WINNER_COLOR, lw=2.4, alpha=1.0, label="winner")
        elif row["round_excluded"] is not None or row["status"] in ("eliminated", "diverged", "error"):
            style = dict(color=FADED_COLOR, lw=0.9, alpha=0.45, label="excluded")
        else:
            style = dict(color=FINALIST_COLOR, lw=1.5, alpha=0.9, label="finalist")
        if style["label"] in seen:
            style["label"] = None
        seen.add(style["label"])
        all_x += [e for e, _ in pairs]
        ax.plot([e for e, _ in pairs], [v for _, v in pairs], marker=".", ms=4, **style)
    dense = data.dense or {}
    pairs = [(e, v) for e, v in zip(dense.get("epochs") or [], dense.get("val_metric") or [], strict=False)
             if finite(v)]
    if pairs:
        ax.plot([e for e, _ in pairs], [v for _, v in pairs], color=DENSE_COLOR, ls="--", lw=1.6,
                label="dense reference")
    if not drawn:
        import matplotlib.pyplot as plt

        plt.close(fig)
        return Figure(TITLE, note="No candidate finished an epoch with a finite validation figure "
                                  "(all diverged or failed).")
    if data.lower_is_better:
        ax.set_yscale("log")
    integer_x(ax, all_x)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"validation {data.quality_name}" + (" (log scale)" if data.lower_is_better else ""))
    ax.set_title(f"Validation {data.quality_name} per epoch")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return Figure(TITLE, image=save(fig, folder, "curves.png"),
                  caption="Faded grey: candidates excluded at a rung (their curve stops there).")
