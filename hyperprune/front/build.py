"""``result.json["front"]`` and ``OUT/front/<level>/``: per level the winner, measured, and the
non-dominated candidates of the whole search.

Per level (the key is the level as written, ``"0.8"``): the winner's summary (validation and
test figures), kept parameters and sparsity counted from its weights, its export file
(``front/<level>/model.pt``) and size, its weights (``front/<level>/weights.pt``) and, when its
pruning is structured, the compact model's ms/token. ``points``: every finalist (trained to the
full budget) with its level, validation loss and figure and kept parameters; ``non_dominated``:
the finalists no other one beats on both validation loss and kept parameters, and
``non_dominated_latency`` on validation loss and ms/token where measured. ``dense``: the dense
reference's last validation figures and parameter count, the line a front is read against.
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.files import write_json
from hyperprune.front.measure import counted, exported
from hyperprune.front.pareto import non_dominated

FRONT_DIR = "front"


def _load(row: dict):
    from hyperprune.training.run import TrainingRun

    path = Path(row.get("checkpoint") or "") / "run.pt"
    return TrainingRun.load(path) if path.is_file() else None


def build_front(out: Path, finalists: list[dict], winners: dict[float, dict], summary, dense: dict) -> dict:
    """``finalists``: the rows trained to the full budget; ``winners``: level -> winning row;
    ``summary(row)``: a row as result.json shows a candidate."""
    points, by_level, runs = {}, {}, {}
    for row in finalists:
        run = _load(row)
        if run is None:
            continue
        runs[row["candidate_id"]] = run
        points[row["candidate_id"]] = {
            "candidate_id": row["candidate_id"],
            "level": row["sparsity"],
            "method": row["method"],
            "val_loss": row["final_val_loss"],
            "val_metric": row["final_val_metric"],
            **counted(run),
        }
    for level, row in sorted(winners.items()):
        label = f"{level:g}"
        folder = out / FRONT_DIR / label
        folder.mkdir(parents=True, exist_ok=True)
        entry = {**summary(row), "level": level}
        run = runs.get(row["candidate_id"])
        if run is not None:
            run.save_weights(folder / "weights.pt")
            entry.update(
                points[row["candidate_id"]],
                weights=f"{FRONT_DIR}/{label}/weights.pt",
                **exported(run, folder),
            )
            entry["export"] = f"{FRONT_DIR}/{label}/{entry['export']}"
            points[row["candidate_id"]]["ms_per_token"] = entry["ms_per_token"]
        by_level[label] = entry
        write_json(folder / "winner.json", entry)
    size = {cid: (p["val_loss"], p["kept_parameters"]) for cid, p in points.items()}
    latency = {cid: (p["val_loss"], p["ms_per_token"]) for cid, p in points.items() if p.get("ms_per_token")}
    return {
        "levels": sorted(winners),
        "by_level": by_level,
        "points": list(points.values()),
        "non_dominated": non_dominated(size),
        "non_dominated_latency": non_dominated(latency),
        "dense": dense,
    }


def level_winners(finalists: list[dict], levels: tuple[float, ...], level_of) -> dict[float, dict]:
    """Per level the finalist with the lowest final validation loss (ties: candidate id)."""
    winners = {}
    for level in levels:
        mine = sorted(
            (r for r in finalists if level_of(r) == level),
            key=lambda r: (r["final_val_loss"], r["candidate_id"]),
        )
        if mine:
            winners[level] = mine[0]
    return winners
