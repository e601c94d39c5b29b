"""Figure and table: the front of a search over several target sparsities.

Quality against size: every finalist (trained to the full budget, at any level) in grey at its
kept parameters counted from the weights, the candidates excluded in a round as faint crosses at
their last epoch, each level's winner marked and labelled with its
level, the non-dominated candidates joined, and the dense reference's validation figure as a
line. The table has one row per level: its winner, figures, size, export file, ms/token where
measured, and the epochs spent at that level against training its whole pool fully.
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.report.data import SearchData, finite
from hyperprune.report.figure import DENSE_COLOR, FADED_COLOR, WINNER_COLOR, Figure, new_figure, save

TITLE = "Front: quality against size, per target sparsity"


def _fmt(value, digits: int = 4) -> str:
    return f"{value:.{digits}g}" if finite(value) else "-"


def front_table(data: SearchData, front: dict) -> dict:
    epochs = (front.get("epochs") or {}).get("per_level") or {}
    rows = []
    for label, w in front["by_level"].items():
        spent = epochs.get(label) or {}
        rows.append(
            [
                label,
                w["candidate_id"],
                w["method"],
                _fmt(w.get("val_metric")),
                _fmt(w.get("test_metric")),
                w.get("kept_parameters", "-"),
                _fmt(w.get("measured_sparsity"), 3),
                w.get("export_bytes", "-"),
                _fmt(w.get("ms_per_token"), 3),
                f"{spent.get('spent', '-')} / {spent.get('full', '-')}",
            ]
        )
    return {
        "header": [
            "level",
            "winner",
            "method",
            f"val {data.quality_name}",
            f"test {data.quality_name}",
            "kept parameters",
            "sparsity (counted)",
            "export bytes",
            "ms/token",
            "epochs spent / full training",
        ],
        "rows": rows,
    }


def _excluded_points(data: SearchData, front: dict) -> list[tuple[float, float]]:
    """(kept parameters, validation figure) of the candidates excluded in a round, at their last
    epoch: kept parameters from the sparsity the pool counted there and the network's size."""
    sized = [p for p in front["points"] if p.get("total_parameters")]
    if not sized:
        return []
    first = sized[0]
    total = first["total_parameters"]
    prunable = first.get("prunable_parameters")
    if prunable is None and first.get("measured_sparsity"):
        prunable = (total - first["kept_parameters"]) / first["measured_sparsity"]
    if not prunable:
        return []
    points = []
    for row in data.ranked_rows():
        if row["status"] != "eliminated" or not row["measured_sparsity"] or not row["val_metric"]:
            continue
        if finite(row["val_metric"][-1]) and finite(row["measured_sparsity"][-1]):
            points.append((total - row["measured_sparsity"][-1] * prunable, row["val_metric"][-1]))
    return points


def _size_and_quality(points: list[dict]) -> tuple[list, list]:
    """The kept parameters and the validation figures of ``points``, as the plot's x and y."""
    return [p["kept_parameters"] for p in points], [p["val_metric"] for p in points]


def plot_front(data: SearchData, folder: Path) -> Figure | None:
    front = (data.result or {}).get("front")
    if not front:
        return None  # a search with one target sparsity has no front
    points = [p for p in front["points"] if finite(p.get("val_metric"))]
    if not points:
        return Figure(TITLE, note="No candidate finished the full budget at any level: there is no front.")
    fig, (ax,) = new_figure(8.0, 5.0)
    excluded = _excluded_points(data, front)
    if excluded:
        ax.scatter(
            [p[0] for p in excluded],
            [p[1] for p in excluded],
            color=FADED_COLOR,
            s=12,
            alpha=0.5,
            marker="x",
            label="excluded candidates (at their last epoch)",
            zorder=1,
        )
    ax.scatter(
        *_size_and_quality(points),
        color=FADED_COLOR,
        s=22,
        label="finished candidates",
        zorder=2,
    )
    best = {p["candidate_id"]: p for p in points}
    chain = [best[c] for c in front.get("non_dominated", []) if c in best]
    chain.sort(key=lambda p: p["kept_parameters"])
    if len(chain) > 1:
        ax.plot(
            *_size_and_quality(chain),
            color=WINNER_COLOR,
            lw=1,
            ls=":",
            label="non-dominated",
            zorder=3,
        )
    winners = [
        w for w in front["by_level"].values() if finite(w.get("val_metric")) and "kept_parameters" in w
    ]
    ax.scatter(
        *_size_and_quality(winners),
        marker="*",
        s=180,
        color=WINNER_COLOR,
        edgecolor="black",
        label="winner per level",
        zorder=4,
    )
    for w in winners:
        ax.annotate(
            f"{w['level']:g}",
            (w["kept_parameters"], w["val_metric"]),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=9,
        )
    dense = front.get("dense") or {}
    if finite(dense.get("val_metric")):
        ax.axhline(
            dense["val_metric"],
            color=DENSE_COLOR,
            lw=1,
            ls="--",
            label=f"dense reference (epoch {dense.get('epoch')})",
        )
    ax.set_xlabel("kept parameters (counted from the weights)")
    ax.set_ylabel(f"validation {data.quality_name}")
    ax.set_title("Winners per target sparsity (stars, labelled with the level)")
    ax.legend(fontsize=8)
    caption = (
        "Grey points: candidates trained to the full budget at their own level; grey crosses: candidates "
        "excluded in a round, at the epoch they stopped (fewer epochs, so not comparable with the points); "
        "stars: the winners, each chosen only among candidates of its level. Dashed: the dense reference."
    )
    return Figure(
        TITLE, image=save(fig, folder, "front.png"), caption=caption, table=front_table(data, front)
    )
