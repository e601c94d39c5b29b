"""A fabricated but realistic search directory: real Parquet pool, result.json, dense reference.

The pool follows synchronous halving (e0=2, ei=1) over candidates whose quality is driven by a
hidden score, so the early metrics correlate with the final perplexity without matching it.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from hyperprune.searching.halving import keep_count, schedule
from hyperprune.searching.pool import empty_row, write_pool

E0, EI, FINAL_EPOCHS, N_EXP = 2, 1, 5, 16
LAYERS = ("encoder.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1",
          "decoder.weight")


def _dense_spectrum(epoch: int) -> list[float]:
    return [0.05 - 0.12 * i / (1 + 0.1 * epoch) for i in range(N_EXP)]


def _spectrum(epoch: int, skill: float, rng: random.Random) -> list[float]:
    return [v - 0.3 * skill * math.exp(-0.2 * i) + rng.gauss(0, 0.02) for i, v in enumerate(_dense_spectrum(epoch))]


def _distance(a: list[float], b: list[float]) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def fabricate(path: Path, *, pool_size: int = 8, final_count: int = 4, diverge_all: bool = False,
              classifier: bool = False, seed: int = 0) -> Path:
    """Write a finished search into ``path`` and return it."""
    rng = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    with_ls = not classifier
    metric = "ls" if with_ls else "loss"
    skills = {f"c{i:03d}": rng.uniform(0.0, 1.0) for i in range(pool_size)}

    def quality(loss: float) -> float:
        return 1.0 - loss / 4.0 if classifier else math.exp(loss)

    rows, curves = {}, {}
    for i, (cid, skill) in enumerate(skills.items()):
        row = empty_row(cid, f"t{i}")
        hparams = {"sparse_init": rng.choice(["uniform", "ER"]), "death": rng.choice(["magnitude", "SET"]),
                   "death_rate": round(0.4 + 0.1 * rng.randrange(6), 1)}
        row.update(method="dst", sparsity=0.67, hparams=json.dumps(hparams), seed=1000 + i, node_id=f"node{i % 2}abcdef")
        rows[cid] = row
        curves[cid] = [(4.8 + 0.5 * skill) - 0.25 * e + rng.gauss(0, 0.04) for e in range(1, FINAL_EPOCHS + 1)]

    def record_epoch(cid: str, epoch: int) -> None:
        row = rows[cid]
        loss = curves[cid][epoch - 1]
        row["epochs"].append(epoch)
        row["val_loss"].append(loss)
        row["val_metric"].append(quality(loss))
        row["weight_sparsity"].append(0.67)
        if with_ls:
            spectrum = _spectrum(epoch, skills[cid] + rng.gauss(0, 0.15), rng)
            row["ls"].append(spectrum)
            row["ls_distance"].append(_distance(spectrum, _dense_spectrum(epoch)))
        else:
            row["ls_distance"].append(math.nan)
        row["epochs_trained"] += 1

    alive = list(skills)
    for e in range(1, E0 + 1):
        for cid in alive:
            record_epoch(cid, e)
    rung, rnd = E0, 0
    while len(alive) > final_count:
        key = "ls_distance" if with_ls else "val_loss"
        values = {cid: rows[cid][key][-1] for cid in alive}
        for cid in alive:
            rows[cid]["rung_metrics"] = json.dumps({**json.loads(rows[cid]["rung_metrics"]), str(rnd): values[cid]})
        ranked = sorted(alive, key=lambda c: (values[c], c))
        kept = ranked[:keep_count(len(alive), final_count)]
        for cid in ranked[len(kept):]:
            rows[cid].update(status="eliminated", round_excluded=rnd)
        alive = kept
        rnd += 1
        if len(alive) > final_count:
            rung += EI
            for cid in alive:
                record_epoch(cid, rung)
    for cid in alive:
        for e in range(rung + 1, FINAL_EPOCHS + 1):
            record_epoch(cid, e)
        row = rows[cid]
        if diverge_all:
            row.update(status="diverged", round_excluded=None, final_val_loss=math.nan, final_val_metric=math.nan)
            row["val_loss"][-1], row["val_metric"][-1] = math.nan, math.nan
            continue
        row.update(status="finished", final_val_loss=row["val_loss"][-1], final_val_metric=row["val_metric"][-1],
                   test_loss=row["val_loss"][-1] - 0.03, test_metric=quality(row["val_loss"][-1] - 0.03))
    finished = sorted((r for r in rows.values() if r["status"] == "finished"),
                      key=lambda r: (r["final_val_loss"], r["candidate_id"]))
    winner = finished[0] if finished else None
    if winner:
        winner["status"] = "winner"
    write_pool(path / "pool.parquet", list(rows.values()))

    dense = {"epochs": list(range(1, FINAL_EPOCHS + 1)), "val_loss": [4.6 - 0.27 * e for e in range(1, 6)]}
    dense["val_metric"] = [quality(v) for v in dense["val_loss"]]
    dense["ls"] = [_dense_spectrum(e) if with_ls else None for e in dense["epochs"]]
    (path / "dense_reference.json").write_text(json.dumps({"key": "abc123", "record": dense, "trials": {}}))
    options = {"metric": metric, "e0": E0, "ei": EI, "final_count": final_count, "final_epochs": FINAL_EPOCHS,
               "max_evals": pool_size, "hpo": "tpe"}
    (path / "search.json").write_text(json.dumps({"options": options, "spec": {}}))

    def summary(r):
        return {"candidate_id": r["candidate_id"], "method": r["method"], "sparsity": r["sparsity"],
                "hparams": json.loads(r["hparams"]), "epochs": FINAL_EPOCHS, "val_loss": r["final_val_loss"],
                "val_metric": r["final_val_metric"], "test_loss": r["test_loss"], "test_metric": r["test_metric"]}

    layers = {}
    for name in LAYERS:
        total = 4096
        density = 0.33 + (0.1 if "hh" in name else -0.05 if "coder" in name else 0.0)
        layers[name] = {"total": total, "nonzero": int(total * density), "density": int(total * density) / total}
    total = sum(v["total"] for v in layers.values())
    nonzero = sum(v["nonzero"] for v in layers.values())
    plan = schedule(pool_size, E0, EI, final_count, FINAL_EPOCHS)
    result = {
        "winner": summary(winner) if winner else None,
        "finalists": [summary(r) for r in finished],
        "winner_sparsity": {"layers": layers, "global": {"total": total, "nonzero": nonzero,
                                                         "density": nonzero / total}} if winner else None,
        "metric": metric, "metric_name": "accuracy" if classifier else "perplexity", "pool_size": pool_size,
        "epochs_spent": sum(r["epochs_trained"] for r in rows.values()), "epochs_planned": plan["epochs"],
        "epochs_reference_schedule": plan["from_scratch"], "epochs_full_training": plan["full"],
        "dense_reference": {"key": "abc123", "epochs": dense["epochs"], "val_loss": dense["val_loss"],
                            "val_metric": dense["val_metric"]},
        "options": options,
    }
    (path / "result.json").write_text(json.dumps(result))
    return path


@pytest.fixture
def make_search(tmp_path):
    """``make_search(name, **options)`` fabricates a search directory under ``tmp_path``."""

    def make(name: str = "search", **kwargs) -> Path:
        return fabricate(tmp_path / name, **kwargs)

    return make
