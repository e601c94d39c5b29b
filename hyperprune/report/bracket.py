"""The elimination bracket: who was dropped in which round, with the metric value there.

The table lists each round (rung age, candidates ranked, kept, and the excluded ones with
their metric and, where finding their mask cost epochs before their clock started, that cost); the figure draws every candidate's metric across the rungs, ending in a cross
where it was excluded, with the noise floor (what a different initialisation alone gives) as a
shaded band above each rung's best and the dense control, when the search had one, as a
dashed line.
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.report.data import SearchData, at_epoch, finite, rung_metrics
from hyperprune.report.figure import (
    ELIMINATED_COLOR,
    FADED_COLOR,
    FINALIST_COLOR,
    WINNER_COLOR,
    Figure,
    integer_x,
    new_figure,
    save,
)

TITLE = "Elimination bracket"


def _fmt(value) -> str:
    return f"{value:.4g}" if finite(value) else "-"


def _fmt_floor(mean: float | None, spread: float | None) -> str:
    return f"{_fmt(mean)} ± {spread:.2g}" if finite(mean) and finite(spread) else _fmt(mean)


def _cost_at(row: dict, age: int | None) -> float | None:
    """The candidate's cost (epochs before its clock started plus extra passes) at rung age ``age``."""
    ages, costs = row.get("age") or [], row.get("cost_epochs") or []
    hits = [c for a, c in zip(ages, costs, strict=False) if a == age and c is not None]
    return hits[-1] if hits else None


def bracket_rounds(data: SearchData) -> list[dict]:
    """Per round: ``round`` (1-based), ``epoch``, ``ranked``, ``kept``, ``excluded`` [(id, value, status)]."""
    ranked_rows = data.ranked_rows()
    metrics = {r["candidate_id"]: rung_metrics(r) for r in ranked_rows}
    indices = {i for m in metrics.values() for i in m}
    indices |= {r["round_excluded"] for r in ranked_rows if r["round_excluded"] is not None}
    rounds = []
    for i in sorted(indices):
        ranked = [cid for cid, m in metrics.items() if i in m]
        epoch = data.rung_epoch(i)
        excluded = [(r["candidate_id"], metrics[r["candidate_id"]].get(i), r["status"], _cost_at(r, epoch))
                    for r in ranked_rows if r["round_excluded"] == i]
        excluded.sort(key=lambda x: (x[1] if finite(x[1]) else float("inf"), x[0]))
        out_ids = {cid for cid, *_ in excluded}
        rounds.append({"round": i + 1, "epoch": epoch, "ranked": len(ranked),
                       "kept": len([c for c in ranked if c not in out_ids]), "excluded": excluded,
                       "noise_floor": data.floor_by_epoch().get(epoch) if epoch is not None else None,
                       "noise_floor_sd": data.floor_spread_by_epoch().get(epoch) if epoch is not None else None})
    return rounds


def bracket_table(data: SearchData) -> dict:
    rows = []
    for rnd in bracket_rounds(data):
        dropped = ", ".join(f"{cid} ({_fmt(v)}{'' if status == 'eliminated' else ', ' + status}"
                            f"{f', cost {cost:.3g} epochs' if cost else ''})"
                            for cid, v, status, cost in rnd["excluded"]) or "-"
        rows.append([rnd["round"], rnd["epoch"] if rnd["epoch"] is not None else "-", rnd["ranked"],
                     rnd["kept"], _fmt_floor(rnd["noise_floor"], rnd["noise_floor_sd"]), dropped])
    finalists = [r for r in data.rows if r["status"] in ("finished", "finalist", "winner", "running", "paused")
                 and r["round_excluded"] is None]
    if finalists:
        names = ", ".join(f"{r['candidate_id']}{' (winner)' if r['candidate_id'] == data.winner_id else ''}"
                          for r in sorted(finalists, key=lambda r: r["candidate_id"]))
        rows.append(["final", "-", len(finalists), len(finalists), "-", f"finalists: {names}"])
    return {"header": ["round", "rung age", "ranked", "kept", "noise floor",
                       f"excluded ({data.metric_label} at the rung)"], "rows": rows}


def plot_bracket(data: SearchData, folder: Path) -> Figure:
    table = bracket_table(data)
    series = {r["candidate_id"]: rung_metrics(r) for r in data.ranked_rows()}
    if not any(series.values()):
        return Figure(TITLE, table=table, note="No candidate reached the first rung, so no round was decided.")
    fig, (ax,) = new_figure(8.0, 4.8)
    seen, all_x, labelled = set(), [], 0
    _draw_floor_and_control(ax, data, series)
    for row in data.ranked_rows():
        points = sorted((i, v) for i, v in series[row["candidate_id"]].items() if finite(v))
        if not points:
            continue
        xs = [data.rung_epoch(i) if data.rung_epoch(i) is not None else i + 1 for i, _ in points]
        ys = [v for _, v in points]
        all_x += xs
        if row["candidate_id"] == data.winner_id:
            color, lw, marker, label, z = WINNER_COLOR, 2.4, "o", "winner", 3
        elif row["round_excluded"] is not None:
            color, lw, marker, label, z = FADED_COLOR, 1.0, "x", "excluded", 1
        else:
            color, lw, marker, label, z = FINALIST_COLOR, 1.6, "o", "finalist", 2
        ax.plot(xs, ys, color=color, lw=lw, alpha=0.9, zorder=z, label=None if label in seen else label)
        ax.plot(xs[-1:], ys[-1:], marker=marker, ms=8 if marker == "x" else 6, zorder=z + 1,
                color=ELIMINATED_COLOR if marker == "x" else color, ls="none")
        seen.add(label)
        if marker != "x":
            ax.annotate(row["candidate_id"], (xs[-1], ys[-1]), textcoords="offset points",
                        xytext=(6, 3 - 9 * (labelled % 3)), fontsize=7, color=color)
            labelled += 1
    integer_x(ax, all_x)
    ax.set_xlabel("rung age (epochs since the last rewind)" if data.e0 is not None else "round")
    ax.set_ylabel(f"{data.metric_label} at the rung (lower is better)")
    ax.set_title("Candidates across the halving rounds (cross: excluded there)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return Figure(TITLE, image=save(fig, folder, "bracket.png"), table=table,
                  caption="At each rung the better half by the early metric is kept; the rest stop training. "
                          "Shaded: from each rung's best up to best + noise floor (the mean distance dense "
                          "networks from other initialisations land from the reference); candidates inside "
                          "it are not told apart from the best by evidence. Hatched: the floor's standard "
                          "deviation over those networks.")


def _draw_floor_and_control(ax, data: SearchData, series: dict[str, dict[int, float]]) -> None:
    """The noise-floor band above each rung's best metric, and the dense control at the rungs.

    A candidate inside the band is closer to the best than a different initialisation alone
    would move a network: the ranking between them is not evidence.
    """
    floor = data.floor_by_epoch()
    best: dict[int, float] = {}
    for metrics in series.values():
        for i, v in metrics.items():
            epoch = data.rung_epoch(i)
            if epoch is not None and finite(v):
                best[epoch] = min(v, best.get(epoch, v))
    spread = data.floor_spread_by_epoch()
    xs = [e for e in sorted(best) if e in floor]
    if xs:
        low = [best[e] for e in xs]
        high = [best[e] + floor[e] for e in xs]
        sd = [spread.get(e, 0.0) for e in xs]
        if len(xs) == 1:
            xs, low, high, sd = [xs[0] - 0.25, xs[0] + 0.25], low * 2, high * 2, sd * 2
        ax.fill_between(xs, low, high, color=FINALIST_COLOR, alpha=0.12, lw=0,
                        label="best + noise floor (mean over its seeds)")
        if any(sd):
            ax.fill_between(xs, [h - d for h, d in zip(high, sd, strict=True)],
                            [h + d for h, d in zip(high, sd, strict=True)], color=FINALIST_COLOR, alpha=0.3,
                            lw=0, hatch="//", label="noise floor ± its sd over the seeds")
    control = data.control()
    if control is not None:
        key = "ls_distance" if data.metric == "ls" else "val_loss"
        points = [(e, at_epoch(control, key, e)) for e in sorted(best)]
        points = [(e, v) for e, v in points if finite(v)]
        if points:
            ax.plot([e for e, _ in points], [v for _, v in points], ls="--", marker="s", ms=4,
                    color=FADED_COLOR, label="dense control")
