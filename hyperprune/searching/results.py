"""After the Tune run: choose the winner, write ``result.json`` and the winner's weights.

The winner is the finalist with the lowest final validation loss (ties: candidate id); the test
split is reported, never used to choose.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from hyperprune.files import write_json
from hyperprune.front.accounting import front_epochs
from hyperprune.front.build import build_front, level_winners
from hyperprune.searching.halving import schedule
from hyperprune.searching.levels import levels_of, nearest_level
from hyperprune.searching.pool import POOL_FILE, read_pool, write_pool


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _summary(row: dict) -> dict:
    return {
        "candidate_id": row["candidate_id"],
        "method": row["method"],
        "sparsity": row["sparsity"],
        "hparams": json.loads(row["hparams"] or "{}"),
        "seed": row["seed"],
        "epochs": (row["epochs"] or [0])[-1],
        "age": (row.get("age") or row["epochs"] or [0])[-1],
        "cost_epochs": (row.get("cost_epochs") or [0.0])[-1],
        "val_loss": row["final_val_loss"],
        "val_metric": row["final_val_metric"],
        "test_loss": row["test_loss"],
        "test_metric": row["test_metric"],
        "metric_at_rungs": json.loads(row["rung_metrics"] or "{}"),
    }


def _control(rows: list[dict]) -> dict | None:
    """The dense control's figures: its metric at every epoch (LS distance 0 when the start is shared)."""
    row = next((r for r in rows if r["status"] == "control"), None)
    if row is None:
        return None
    return {"candidate_id": row["candidate_id"], "epochs": row["epochs"], "ls_distance": row["ls_distance"],
            "val_loss": row["val_loss"], "measured_sparsity": row["measured_sparsity"]}


def _export_winner(out: Path, row: dict) -> dict | None:
    """``OUT/winner``: the files the winner wrote beside its last checkpoint, or (a checkpoint of
    an earlier version, which has none) the same files from its run rebuilt from the checkpoint."""
    from hyperprune.training.deployable import copy_deployable, write_deployable

    ckpt = row.get("checkpoint")
    if not ckpt:
        return None
    path = Path(ckpt) / "run.pt"
    if not path.is_file():
        return None
    report = copy_deployable(ckpt, out / "winner")
    if report is None:
        from hyperprune.training.run import TrainingRun

        report = write_deployable(TrainingRun.load(path), out / "winner")
    return report


def _noise_floor_summary(floor: dict) -> dict:
    """The noise floor in ``result.json``: the mean over the draws (``noise_floor``: LS distance,
    ``noise_floor_val_loss``), their standard deviation (``_sd``) and every draw (``_per_seed``)."""
    summary = {"noise_floor_seeds": floor.get("seeds", 1 if floor.get("ls_distance") else 0)}
    for name, field in (("noise_floor", "ls_distance"), ("noise_floor_val_loss", "val_loss_diff")):
        summary[name] = floor.get(field, [])
        summary[f"{name}_sd"] = floor.get(f"{field}_sd", [])
        summary[f"{name}_per_seed"] = floor.get(f"{field}_per_seed", [])
    return summary


def finalize(out: Path, opts, spec, reference: dict, elapsed_s: float, log=print,
             first_failure: dict | None = None, stopped: str | None = None) -> dict:
    from hyperprune.models import task_of
    from hyperprune.searching.outcome import closing_line, outcome

    # a search stopped before any candidate reported (a dense run failed first) has no pool yet
    saved = read_pool(out / POOL_FILE) if (out / POOL_FILE).is_file() or not stopped else []
    rows = [{k: v for k, v in r.items() if k != "hparams_dict"} for r in saved]
    finalists = [r for r in rows if r["status"] in ("finished", "winner") and _finite(r["final_val_loss"])]
    finalists.sort(key=lambda r: (r["final_val_loss"], r["candidate_id"]))
    levels = levels_of(opts)
    level_of = functools.partial(nearest_level, levels)
    # several levels: a winner per level, each chosen among its own level's finalists; the
    # search's "winner" is the one at the highest level
    winners = level_winners(finalists, levels, level_of) if len(levels) > 1 else {}
    winner = winners[max(winners)] if winners else (finalists[0] if finalists else None)
    winner_ids = {r["candidate_id"] for r in winners.values()} | ({winner["candidate_id"]} if winner else set())
    for r in rows:
        if r["candidate_id"] in winner_ids:
            r["status"] = "winner"
    write_pool(out / POOL_FILE, rows)
    sparsity_report = _export_winner(out, winner) if winner else None
    ranked = [r for r in rows if r["status"] != "control"]
    plan = schedule(len(ranked), opts.e0, opts.ei, opts.final_count, opts.final_epochs)
    if len(levels) > 1:  # each level is halved on its own
        plans = [schedule(sum(level_of(r) == level for r in ranked), opts.e0, opts.ei, opts.final_count,
                          opts.final_epochs) for level in levels]
        plan = {k: sum(p[k] for p in plans) for k in ("epochs", "from_scratch", "full")}
    record = (reference or {}).get("record") or {}
    noise = (reference or {}).get("noise") or {}
    noises = (reference or {}).get("noises") or ([noise] if noise else [])
    dense_epochs = len(record.get("epochs", [])) + sum(len(n.get("epochs", [])) for n in noises)
    result = {
        **outcome(rows, winner, first_failure, stopped),
        "winner": _summary(winner) if winner else None,
        "finalists": [_summary(r) for r in finalists],
        "winner_sparsity": sparsity_report,
        "metric": opts.metric,
        "metric_name": task_of(spec.model).quality,
        "pool_size": len(ranked),
        "control": _control(rows),
        "statuses": {s: sum(r["status"] == s for r in rows) for s in sorted({r["status"] for r in rows})},
        "epochs_spent": int(sum(r["epochs_trained"] or 0 for r in rows)),
        "epochs_planned": plan["epochs"],
        "epochs_dense_reference": dense_epochs,
        "epochs_reference_schedule": plan["from_scratch"],
        "epochs_full_training": plan["full"],
        "dense_reference": {"key": (reference or {}).get("key"), "epochs": record.get("epochs", []),
                            "val_loss": record.get("val_loss", []), "val_metric": record.get("val_metric", []),
                            **_noise_floor_summary((reference or {}).get("noise_floor") or {}),
                            "noise_floor_epochs": noise.get("epochs", [])},
        "elapsed_s": round(elapsed_s, 1),
        "options": opts.to_json(),
    }
    if len(levels) > 1:
        dense = {"epoch": (record.get("epochs") or [None])[-1], "val_loss": (record.get("val_loss") or [None])[-1],
                 "val_metric": (record.get("val_metric") or [None])[-1]}
        result["front"] = build_front(out, finalists, winners, _summary, dense)
        totals = {p["total_parameters"] for p in result["front"]["points"]}
        result["front"]["dense"]["parameters"] = max(totals) if totals else None
        result["front"]["epochs"] = front_epochs(ranked, levels, level_of, opts, dense_epochs)
        for label, entry in result["front"]["by_level"].items():
            log(f"sparsity {label}: {entry['candidate_id']} {entry['method']}, val {entry['val_metric']:.4g}, "
                f"test {entry['test_metric']:.4g}, {entry.get('kept_parameters', '?')} parameters kept "
                f"(sparsity {entry.get('measured_sparsity', float('nan')):.3f} counted)")
    write_json(out / "result.json", result)
    if winner:
        w = result["winner"]
        log(f"winner {w['candidate_id']}: {w['method']} {json.dumps(w['hparams'], sort_keys=True)}; "
            f"val {w['val_metric']:.4g}, test {w['test_metric']:.4g} at sparsity {w['sparsity']}; "
            f"{result['epochs_spent']} epochs spent + {dense_epochs} dense reference and noise floor "
            f"(full training of all: {plan['full']} + {len(record.get('epochs', []))} dense)")
    else:
        log(closing_line(result))
    log(f"results in {out}/result.json and {out}/pool.parquet")
    return result
