"""Text of a benchmark table's analysis: the full printout and the README's results section.

:func:`render_offline` is what ``bench/ranking.py --offline`` prints for one table (every
correlation per epoch, the noise ceiling, the schedules); :func:`render_results_markdown` renders
the README's results tables from several table files: per space, the dense reference's
convergence, the Spearman correlation of every signal at a few ages with intervals, the noise
ceiling, the recommended schedule's regret and compute, and a verdict drawn from those numbers.
Both are deterministic (seeded bootstrap), so regenerating them from the same files gives the
same text.

Example::

    print(render_results_markdown(["bench/tables/reference.parquet"]))
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.calibration.summary import (
    best_schedules,
    correlation_table,
    interval,
    noise_lines,
    number,
    recommendation_line,
)


def dense_line(cal: dict) -> str:
    dense = cal["table"]["dense"]
    gain = dense.get("improvement_last_3")
    if dense.get("converged") is None:
        state = "unknown: fewer than 4 epochs"
    else:
        state = f"{'converged' if dense['converged'] else 'NOT converged'}: the rule is under 1%"
    return (
        f"dense reference: final validation {cal.get('quality') or 'perplexity'} {number(dense.get('final'))} at "
        f"age {cal['epochs']}; improvement over its last 3 epochs "
        f"{'-' if gain is None else f'{gain:.2%}'} ({state})"
    )


def header(cal: dict) -> str:
    t = cal["table"]
    return (
        f"space {t['space']}: {cal['pool_size']} candidates at sparsity {t['sparsity']:g}, preset "
        f"{t.get('preset') or '-'}, E = {cal['epochs']} epochs of age, first rung e0 = {t['e0']}, "
        f"master seeds {', '.join(str(s) for s in t['seeds'])} (table by {t['producer']})"
    )


def schedule_table(cal: dict) -> str:
    """Every replayed schedule: its regret and compute."""
    lines = [
        "| metric | e0 | ei | final count | epochs | share of full | regret | winner |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in cal["schedules"]:
        lines.append(
            f"| {r['metric']} | {r['e0']} | {r['ei']} | {r['final_count']} | {r['epochs']} | "
            f"{r['epochs_fraction']:.0%} | {number(r['regret'], 3)} | {r['winner']} |"
        )
    return "\n".join(lines)


def render_offline(cal: dict, all_schedules: bool = False) -> str:
    """The whole analysis of one table as text (Markdown tables)."""
    lines = [
        header(cal),
        dense_line(cal),
        "",
        f"correlation of each early metric at age e with the final figure (bootstrap "
        f"{cal['bootstrap']['level']:.0%} intervals, {cal['bootstrap']['samples']} resamples):",
        "",
        correlation_table(cal),
        "",
        *noise_lines(cal),
        "",
        schedule_table(cal) if all_schedules else best_schedules(cal),
        "",
    ]
    lines += [f"warning: {w}" for w in cal["warnings"]]
    lines.append(recommendation_line(cal))
    return "\n".join(lines)


def _ages(cal: dict) -> list[int]:
    """The ages shown in the README: the first rung, a few after it, and the last early age."""
    e0, last = int(cal["table"]["e0"]), cal["epochs"] - 1
    ages = {min(e0, last), min(e0 + 1, last), min(2 * e0, last), min(max(e0, cal["epochs"] // 2), last), last}
    return sorted(a for a in ages if a >= 1)


def verdict(cal: dict) -> str:
    """One sentence on which signal predicts best at the first rung, from the numbers alone."""
    noise = cal["noise"]
    if noise.get("spread_exceeds_noise") is False:
        return (
            "Verdict: the final figures do not spread beyond their seed noise, so no signal can be judged "
            "better than another on this pool."
        )
    e0 = int(cal["table"]["e0"])
    at = {m: v["by_epoch"][e0 - 1]["spearman"] for m, v in cal["metrics"].items() if len(v["by_epoch"]) >= e0}
    scored = {m: c for m, c in at.items() if c.get("value") is not None}
    if not scored:
        return "Verdict: no signal has a correlation at the first rung."
    best = max(scored, key=lambda m: scored[m]["value"])
    loss = scored.get("loss")
    text = f"Verdict: at the first rung (age {e0}) {best} predicts best (Spearman {interval(scored[best])})"
    if best == "loss" or loss is None:
        return text + "; no signal beats the loss here."
    if (
        loss.get("high") is not None
        and scored[best].get("low") is not None
        and scored[best]["low"] > loss["high"]
    ):
        return text + f", beyond the loss's interval ({interval(loss)})."
    return text + f"; its interval overlaps the loss's ({interval(loss)}): no signal beats the loss here."


def results_markdown(cal: dict) -> str:
    """The README section of one analysed table."""
    metrics = list(cal["metrics"])
    ages = _ages(cal)
    head = ["signal"] + [f"age {a}" for a in ages]
    rows = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * len(ages)]
    for m in metrics:
        by_epoch = cal["metrics"][m]["by_epoch"]
        rows.append(
            "| "
            + " | ".join(
                [cal["metrics"][m].get("label", m)] + [interval(by_epoch[a - 1]["spearman"]) for a in ages]
            )
            + " |"
        )
    t = cal["table"]
    lines = [
        f"#### {t['space']}",
        "",
        header(cal) + ".",
        "",
        dense_line(cal) + ".",
        "",
        "Spearman correlation of each signal at age e with the final validation figure (95% bootstrap "
        "intervals):",
        "",
        *rows,
        "",
        *noise_lines(cal),
        "",
        f"The cheapest halving schedule of each signal whose regret is within the tolerance "
        f"({cal['tolerance']['absolute']:.3g} {cal.get('quality') or 'perplexity'}), or else the one of least "
        "regret, replayed with the search's halving bookkeeping (regret p90: over resampled pools; "
        "share of full: its epochs against training every candidate fully):",
        "",
        best_schedules(cal, per_metric=1),
        "",
        recommendation_line(cal),
        "",
        verdict(cal),
    ]
    return "\n".join(lines)


def render_results_markdown(paths, *, samples: int | None = None) -> str:
    """The README's results tables from benchmark table files (one section per file, in order)."""
    from hyperprune.calibration.table import analyse_table

    sections = [results_markdown(analyse_table(Path(p), samples=samples)) for p in paths]
    return "\n\n".join(sections) + "\n"
