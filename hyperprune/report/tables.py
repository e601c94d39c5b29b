"""The text parts of the report: the summary lines and the table of the whole pool."""

from __future__ import annotations

import json

from hyperprune.report.data import SearchData, finite, rung_metrics


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if finite(value) else "-"
    return str(value)


def _last(values) -> float | None:
    values = [v for v in (values or []) if v is not None]
    return values[-1] if values else None


def pool_table(data: SearchData) -> dict:
    header = ["id", "method", "status", "excluded in round", "epochs", "age", "cost (epochs)",
              f"val {data.quality_name}",
              "LS distance", "rung metrics", "weight sparsity", f"final val {data.quality_name}",
              f"test {data.quality_name}", "node", "hyperparameters"]
    rows = []
    for r in sorted(data.rows, key=lambda r: r["candidate_id"]):
        rungs = ", ".join(f"r{i + 1}: {_fmt(v)}" for i, v in sorted(rung_metrics(r).items())) or "-"
        params = ", ".join(f"{k}={v}" for k, v in sorted((r.get("hparams_dict") or {}).items()))
        rows.append([
            r["candidate_id"], r["method"], r["status"],
            _fmt(r["round_excluded"] + 1 if r["round_excluded"] is not None else None),
            _fmt(_last(r["epochs"])), _fmt(_last(r.get("age") or r["epochs"])), _fmt(_last(r.get("cost_epochs")), 3),
            _fmt(_last(r["val_metric"])), _fmt(_last(r["ls_distance"])), rungs,
            _fmt(_last(r["weight_sparsity"]), 3), _fmt(r.get("final_val_metric")), _fmt(r.get("test_metric")),
            (r.get("node_id") or "-")[:8], params or "-",
        ])
    return {"header": header, "rows": rows}


def summary_lines(data: SearchData) -> list[str]:
    """Plain sentences on the outcome, the budget and the dense reference."""
    lines = []
    result = data.result
    statuses = {}
    for r in data.rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    lines.append(f"{len(data.rows)} candidates: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ".")
    lines.append(f"Early ranking by {data.metric_label}"
                 + (f", first rung at age {data.e0} (epochs trained since a candidate's last prune-and-rewind "
                    f"event), then every {data.ei} epoch(s); epochs spent finding a mask before it are "
                    "cost (the pool's cost column)." if data.e0 else "."))
    if result is None:
        lines.append("The search has not finished (no result.json): the figures show its state so far.")
        return lines
    winner = result.get("winner")
    if winner:
        lines.append(f"Winner {winner['candidate_id']}: {winner['method']} "
                     f"{json.dumps(winner.get('hparams') or {}, sort_keys=True)} at sparsity "
                     f"{_fmt(winner.get('sparsity'))}; validation {data.quality_name} {_fmt(winner.get('val_metric'))}, "
                     f"test {data.quality_name} {_fmt(winner.get('test_metric'))}.")
    else:
        lines.append("No winner: every finalist diverged or failed.")
    dense = result.get("dense_reference") or {}
    if dense.get("val_metric"):
        lines.append(f"Dense reference: validation {data.quality_name} {_fmt(dense['val_metric'][-1])} after "
                     f"{_fmt((dense.get('epochs') or [None])[-1])} epochs.")
    floor = data.floor_by_epoch()
    if floor:
        shown = ", ".join(f"epoch {e}: {_fmt(v, 3)}" for e, v in sorted(floor.items()))
        lines.append(f"Noise floor of the {data.metric_label} (a dense network from another initialisation "
                     f"against the reference): {shown}. Candidates closer together than this are not told "
                     "apart by the early metric.")
    control = data.control()
    if control is not None:
        key = "ls_distance" if data.metric == "ls" else "val_loss"
        values = [v for v in control.get(key) or [] if finite(v)]
        if values and data.metric == "ls":
            lines.append(f"Dense control: LS distance to the reference at most {_fmt(max(values), 3)} over "
                         f"{len(values)} epochs (0 when every candidate shares the reference's start).")
    spent, full = result.get("epochs_spent"), result.get("epochs_full_training")
    if spent is not None and full:
        dense_epochs = result.get("epochs_dense_reference") or 0
        lines.append(f"Compute: {spent} training epochs spent on candidates plus {dense_epochs} on the dense "
                     f"reference and noise floor, against {full} to train every candidate fully "
                     f"({(spent + dense_epochs) / full:.0%}); the reference system's from-scratch schedule "
                     f"would need {_fmt(result.get('epochs_reference_schedule'))}.")
    return lines
