"""Figure: per-layer sparsity of the winner, from its sparsity report."""

from __future__ import annotations

import json
from pathlib import Path

from hyperprune.report.data import SearchData, finite
from hyperprune.report.figure import WINNER_COLOR, Figure, new_figure, save

TITLE = "Per-layer sparsity of the winner"


def winner_sparsity(data: SearchData) -> dict | None:
    report = (data.result or {}).get("winner_sparsity")
    if not report:
        path = data.path / "winner" / "sparsity.json"
        if path.is_file():
            try:
                report = json.loads(path.read_text())
            except json.JSONDecodeError:
                report = None
    return report if isinstance(report, dict) and report.get("layers") else None


def plot_sparsity(data: SearchData, folder: Path) -> Figure:
    report = winner_sparsity(data)
    if data.winner_id is None:
        return Figure(TITLE, note="No winner: no candidate finished the full budget (all diverged or failed).")
    if report is None:
        return Figure(TITLE, note="The winner's sparsity report is missing from result.json and winner/.")
    layers = report["layers"]
    names = list(layers)
    sparsity = [1.0 - float(layers[n]["density"]) for n in names]
    table = {"header": ["layer", "weights", "nonzero", "sparsity"],
             "rows": [[n, layers[n]["total"], layers[n]["nonzero"], f"{s:.3f}"] for n, s in zip(names, sparsity,
                                                                                                 strict=True)]}
    glob = report.get("global") or {}
    fig, (ax,) = new_figure(8.0, 0.9 + 0.38 * len(names))
    ax.barh(range(len(names)), sparsity, color=WINNER_COLOR, label="layer sparsity")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    target = ((data.result or {}).get("winner") or {}).get("sparsity")
    if finite(target):
        ax.axvline(float(target), color="black", ls="--", lw=1.2, label=f"target {float(target):.2f}")
    if finite(glob.get("density")):
        ax.axvline(1.0 - float(glob["density"]), color="tab:orange", lw=1.2,
                   label=f"global {1.0 - float(glob['density']):.3f}")
    ax.set_xlim(0, 1)
    ax.set_xlabel("sparsity (fraction of weights that are zero)")
    ax.set_title(f"Winner {data.winner_id}: sparsity per layer")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    return Figure(TITLE, image=save(fig, folder, "sparsity.png"), table=table)
