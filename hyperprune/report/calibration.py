"""The HTML report of a calibration: ``CAL_DIR/report/index.html`` plus its PNGs.

Sections: the recommendation and warnings; correlation of each early metric with the final
figure by epoch, with bootstrap intervals and the noise ceiling; regret against compute for the
replayed schedule grid; early metric against final quality at a few epochs; the pool's learning
curves (the search report's figure); the seed noise.
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.calibration.summary import noise_lines, recommendation_line
from hyperprune.report.curves import plot_curves
from hyperprune.report.data import finite, load_search
from hyperprune.report.figure import Figure, integer_x, new_figure, plt, save
from hyperprune.report.html import Page
from hyperprune.report.section import add_section

COLORS = ("tab:green", "tab:blue", "tab:purple", "tab:orange", "tab:brown")


def _fmt(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if finite(value) else "-"


def plot_correlation_by_epoch(cal: dict, folder: Path) -> Figure:
    title = "Correlation of the early metric with the final figure, by epoch"
    fig, (ax,) = new_figure(8.0, 4.6)
    epochs = list(range(1, cal["epochs"]))
    rows = []
    for i, data in enumerate(cal["metrics"].values()):
        color = COLORS[i % len(COLORS)]
        for kind, marker, shift, alpha in (("spearman", "o", -0.08, 1.0), ("kendall", "s", 0.08, 0.55)):
            cells = [row[kind] for row in data["by_epoch"]]
            xs = [e + shift + 0.04 * i for e, c in zip(epochs, cells, strict=True) if c["value"] is not None]
            ys = [c["value"] for c in cells if c["value"] is not None]
            lo = [c["value"] - (c["low"] if c["low"] is not None else c["value"]) for c in cells if c["value"] is not None]
            hi = [(c["high"] if c["high"] is not None else c["value"]) - c["value"] for c in cells
                  if c["value"] is not None]
            ax.errorbar(xs, ys, yerr=[lo, hi], color=color, marker=marker, ms=5, capsize=3, alpha=alpha,
                        lw=1.2, label=f"{data['label']}: {kind.capitalize()}")
        for row in data["by_epoch"]:
            if not row.get("comparable", True):
                rows.append([data["label"], row["epoch"], "not comparable", "not comparable", "-"])
                continue
            rows.append([data["label"], row["epoch"], _interval(row["spearman"]), _interval(row["kendall"]),
                         _fmt(row["top_k_overlap"])])
    ceiling = cal["noise"].get("noise_ceiling")
    if finite(ceiling):
        ax.axhline(ceiling, color="black", ls="--", lw=1.2, label=f"Spearman noise ceiling {ceiling:.2f}")
    kendall_ceiling = cal["noise"].get("kendall_ceiling")
    if finite(kendall_ceiling):
        ax.axhline(kendall_ceiling, color="black", ls=":", lw=1.2, alpha=0.6,
                   label=f"Kendall noise ceiling {kendall_ceiling:.2f}")
    first = (cal.get("rule") or {}).get("first_comparable_epoch") or 1
    if first > 1:
        ax.axvspan(0.5, first - 0.5, color="0.9", zorder=0, label="not comparable (before pruning)")
    ax.axhline(0.0, color="0.7", lw=0.8, zorder=0)
    ax.set_ylim(-1.05, 1.05)
    integer_x(ax, epochs)
    ax.set_xlabel("epoch of the early measurement")
    ax.set_ylabel(f"rank correlation with the final figure (epoch {cal['epochs']})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return Figure(title, image=save(fig, folder, "correlation_by_epoch.png"),
                  caption=f"Bars: bootstrap {cal['bootstrap']['level']:.0%} intervals ({cal['bootstrap']['samples']} "
                          "resamples of the candidates). +1: the early metric orders candidates exactly as their "
                          "final quality does. The noise ceilings (dashed: Spearman, dotted: Kendall, whose ceiling "
                          "is lower) are what a perfect early metric could reach against a final figure this noisy; "
                          "epochs before every candidate was pruned (shaded) are not comparable.",
                  table={"header": ["metric", "epoch", "Spearman [95%]", "Kendall [95%]",
                                    f"top-{cal['top_k']} overlap"], "rows": rows})


def _interval(cell: dict) -> str:
    if cell["value"] is None:
        return "-"
    if cell["low"] is None:
        return _fmt(cell["value"])
    return f"{_fmt(cell['value'])} [{_fmt(cell['low'])}, {_fmt(cell['high'])}]"


def plot_regret(cal: dict, folder: Path) -> Figure:
    title = "Regret against compute of the halving schedules (replayed offline)"
    fig, (ax,) = new_figure(8.0, 4.6)
    for i, metric in enumerate(cal["metrics"]):
        rows = [r for r in cal["schedules"] if r["metric"] == metric and r["regret"] is not None]
        ax.scatter([r["epochs"] for r in rows], [r["regret"] for r in rows], s=18, alpha=0.6,
                   color=COLORS[i % len(COLORS)], label=cal["metrics"][metric]["label"])
    tol = cal["tolerance"]["absolute"]
    if finite(tol):
        ax.axhline(tol, color="black", ls="--", lw=1.0, label=f"tolerance {tol:.3g}")
    rec = cal.get("recommendation")
    if rec:
        ax.scatter([rec["epochs"]], [rec["regret"]], marker="*", s=220, color="gold", edgecolor="black", zorder=3,
                   label=f"recommended: {rec['metric']} e0={rec['e0']} ei={rec['ei']} final={rec['final_count']}")
    ax.axvline(cal["full_training_epochs"], color="0.6", lw=0.8, ls=":", label="training all fully")
    ax.set_xlabel("training epochs spent by the schedule")
    ax.set_ylabel(f"regret (final {cal.get('quality', 'figure')} minus the pool's best)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return Figure(title, image=save(fig, folder, "regret.png"),
                  caption="Each point is one schedule (e0, ei, final count) replayed over the recorded curves with "
                          "the search's own halving code; regret 0 means it crowns the pool's best candidate.")


def plot_scatter(cal: dict, folder: Path) -> Figure:
    title = "Early metric against final quality"
    epochs = sorted({1, max(1, cal["epochs"] // 2), cal["epochs"] - 1})
    metrics = list(cal["metrics"])
    fig, axes = plt.subplots(len(metrics), len(epochs), figsize=(3.6 * len(epochs) + 0.6, 3.2 * len(metrics)),
                             squeeze=False)
    ids = sorted(cal["final"])
    final = [cal["final"][cid] for cid in ids]
    for r, metric in enumerate(metrics):
        for c, epoch in enumerate(epochs):
            ax = axes[r][c]
            xs = [cal["curves"][metric][cid][epoch - 1] for cid in ids]
            pts = [(x, y) for x, y in zip(xs, final, strict=True) if finite(x) and finite(y)]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=16, color=COLORS[r % len(COLORS)])
            rho = cal["metrics"][metric]["by_epoch"][epoch - 1]["spearman"]["value"]
            ax.set_title(f"{cal['metrics'][metric]['label']} @ {epoch}: rho {_fmt(rho)}", fontsize=9)
            ax.set_xlabel(cal["metrics"][metric]["label"], fontsize=8)
            if c == 0:
                ax.set_ylabel(f"final {cal.get('quality', 'figure')}", fontsize=8)
            ax.grid(alpha=0.3)
    return Figure(title, image=save(fig, folder, "scatter.png"))


def write_calibration_report(cal_dir: str | Path, cal: dict) -> Path:
    """Write the report of the calibration in ``cal_dir`` from its analysis ``cal``."""
    data = load_search(cal_dir)
    folder = Path(cal_dir) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    page = Page(f"hyperprune calibration report: {Path(cal_dir).resolve().name}")
    page.heading("Summary")
    page.paragraph(f"{cal['pool_size']} candidates trained to {cal['epochs']} epochs without exclusion; best final "
                   f"validation {cal.get('quality', 'figure')} {_fmt(cal['best']['value'])} "
                   f"({cal['best']['candidate_id']}).")
    page.paragraph(recommendation_line(cal))
    for warning in cal["warnings"]:
        page.note(warning)
    for line in noise_lines(cal):
        page.paragraph(line)
    figures = [plot_correlation_by_epoch(cal, folder), plot_regret(cal, folder), plot_scatter(cal, folder),
               plot_curves(data, folder)]
    for fig in figures:
        add_section(page, fig)
    index = folder / "index.html"
    tmp = folder / ".index.html.tmp"
    tmp.write_text(page.render(), encoding="utf-8")
    tmp.replace(index)
    return index

