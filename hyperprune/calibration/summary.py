"""The text form of a calibration: Markdown tables and the closing recommendation line.

``hyperprune calibrate`` prints it at the end, ``bench/ranking.py`` prints it, and the README's
tables are pasted from it.
"""

from __future__ import annotations

import math


def number(value, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals; ``-`` where it is missing or not finite."""
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) and math.isfinite(value) else "-"


def interval(cell: dict) -> str:
    """A correlation cell as ``value [low, high]``, or its value alone where it has no interval."""
    if cell.get("value") is None:
        return "-"
    if cell.get("low") is None:
        return number(cell["value"])
    return f"{number(cell['value'])} [{number(cell['low'])}, {number(cell['high'])}]"


def correlation_table(cal: dict) -> str:
    metrics = list(cal["metrics"])
    head = ["epoch"]
    for m in metrics:
        head += [f"Spearman {m}", f"Kendall {m}", f"top-{cal['top_k']} {m}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for i in range(cal["epochs"] - 1):
        cells = [str(i + 1)]
        for m in metrics:
            row = cal["metrics"][m]["by_epoch"][i]
            if not row.get("comparable", True):
                cells += ["not comparable"] * 3
                continue
            cells += [interval(row["spearman"]), interval(row["kendall"]), number(row["top_k_overlap"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def noise_lines(cal: dict) -> list[str]:
    n = cal["noise"]
    if n.get("seed_sd") is None:
        return ["seed noise: not measured (one seed)"]
    return [f"seed noise: {n['replicated']} candidates x {n['seeds']} seeds; seed sd {number(n['seed_sd'], 4)}, "
            f"largest difference between seeds {number(n['max_seed_difference'], 4)}; pool sd {number(n['pool_sd'], 4)}",
            f"noise ceiling of any early signal: Spearman {number(n['noise_ceiling'])}, Kendall "
            f"{number(n.get('kendall_ceiling'))} (reliability ICC {number(n['reliability'])} "
            f"[{number(n.get('reliability_low'))}, {number(n.get('reliability_high'))}]); "
            f"retest Spearman across seeds {number(n['retest_spearman'])}; "
            f"pool spread {'exceeds' if n['spread_exceeds_noise'] else 'does NOT exceed'} the seed noise "
            f"(F = {number(n['f_statistic'])}, p = {number(n['p_value'], 3)})"]


def recommendation_line(cal: dict) -> str:
    rec = cal.get("recommendation")
    tol = cal["tolerance"]
    if not rec:
        return f"recommendation: none ({cal.get('recommendation_note')})"
    rule = cal.get("rule") or {}
    high = (f", {rule.get('regret_percentile')}th percentile {number(rec.get('regret_high'), 3)}"
            if rec.get("regret_high") is not None else "")
    bound = (f"; Spearman lower bound at e0 {number(rec.get('spearman_lower_bound'))}"
             if rec.get("spearman_lower_bound") is not None else "")
    return (f"recommendation: --metric {rec['metric']} --e0 {rec['e0']} --ei {rec['ei']} --final-count "
            f"{rec['final_count']}: {rec['epochs']} epochs ({rec['epochs_fraction']:.0%} of training all "
            f"{cal['pool_size']} fully), regret {number(rec['regret'], 3)}{high} (tolerance "
            f"{number(tol['absolute'], 3)} = {tol['fraction']:.1%} of the best){bound}, winner {rec['winner']}")


def shown_schedules(cal: dict, metric: str, per_metric: int = 3) -> list[dict]:
    """The schedules shown for ``metric``: the cheapest comparable ones whose regret is within the
    tolerance, or else the one of least regret."""
    tol = cal["tolerance"]["absolute"]
    every = [r for r in cal["schedules"] if r["metric"] == metric]
    rows = [r for r in every if r.get("comparable", True)] or every  # never a rung before pruning
    ok = [r for r in rows if r["regret"] is not None and tol is not None and r["regret"] <= tol + 1e-12]
    if ok:
        return sorted(ok, key=lambda r: (r["epochs"], r["regret"]))[:per_metric]
    return sorted(rows, key=lambda r: (r["regret"] if r["regret"] is not None else math.inf, r["epochs"]))[:1]


def best_schedules(cal: dict, per_metric: int = 3) -> str:
    """Per metric, the cheapest schedules whose regret is within the tolerance (or the least regret)."""
    lines = ["| metric | e0 | ei | final count | epochs | share of full | regret | regret p90 | winner |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for m in cal["metrics"]:
        for r in shown_schedules(cal, m, per_metric):
            lines.append(f"| {m} | {r['e0']} | {r['ei']} | {r['final_count']} | {r['epochs']} | "
                         f"{r['epochs_fraction']:.0%} | {number(r['regret'], 3)} | {number(r.get('regret_high'), 3)} | "
                         f"{r['winner']} |")
    return "\n".join(lines)


def render(cal: dict) -> str:
    quality = "perplexity" if cal["lower_is_better"] else "accuracy"
    best = cal["best"]
    lines = [f"calibration of {cal['pool_size']} candidates over {cal['epochs']} epochs; best final validation "
             f"{quality} {number(best['value'])} ({best['candidate_id']})", "",
             "correlation of each early metric at epoch e with the final figure "
             f"(bootstrap {cal['bootstrap']['level']:.0%} intervals, {cal['bootstrap']['samples']} resamples):", "",
             correlation_table(cal), "", *noise_lines(cal), "", best_schedules(cal), ""]
    lines += [f"warning: {w}" for w in cal["warnings"]]
    lines.append(recommendation_line(cal))
    return "\n".join(lines)
