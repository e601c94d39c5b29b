"""The tabular benchmark: one calibration in one compact Parquet file, evaluated offline.

A table holds everything needed to judge any early signal or halving schedule without
training: one row per training run, of three roles (``candidate``: the pool, one master seed;
``replicate``: a pool candidate retrained from another master seed; ``dense``: the dense
reference of a master seed), with the run's method, sparsity, hyperparameters (JSON) and seed,
and per measured epoch: ``epochs`` (training iterations), ``age`` and ``cost_epochs`` (the fair
clock; age = epoch for runs without one), ``rankable``, ``val_loss``, ``val_metric``
(perplexity or accuracy), ``train_loss``, ``measured_sparsity``, the LS distances to the
dense reference at the same age (``ls_distance``: L2, ``ls_distance_trajectory``), the leading
``ls_k`` Lyapunov exponents (``ls_top``, not whole spectra) and the seconds (``cpu_s``); then the
final figures (``final_val_loss``, ``final_val_metric``, ``test_loss``, ``test_metric``) and
``diverged``. The file's metadata (``hyperprune.table``, JSON) says how it was made: the run
settings, space, sparsity, budget ``epochs`` and first rung ``e0``, the master seeds, and the
dense reference's final figure and its improvement over its last 3 epochs.

:func:`table_from_calibration` builds it from a finished ``hyperprune calibrate`` directory;
``bench/produce_table.py`` trains it directly; :func:`analyse_table` runs the calibration analysis
(:func:`hyperprune.calibration.analysis.analyse`) on it.

Example::

    rows, meta = read_table("bench/tables/reference.parquet")
    result = analyse_table("bench/tables/reference.parquet")
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hyperprune.errors import UserError
from hyperprune.files import write_bytes

TABLE_FILE = "table.parquet"
TABLE_FORMAT = "hyperprune-bench-table"
TABLE_VERSION = 1
META_KEY = b"hyperprune.table"
#: leading Lyapunov exponents kept per epoch
LS_TOP = 8
#: the window (epochs) over which the dense reference must improve by less than 1% to count as converged
CONVERGENCE_WINDOW = 3
#: early metric -> table column of the distance variants computed from the spectra when written
DISTANCE_COLUMNS = {"l2": "ls_distance", "trajectory": "ls_distance_trajectory"}

F64 = pa.list_(pa.float64())
SCHEMA = pa.schema(
    [
        ("role", pa.string()),
        ("candidate_id", pa.string()),
        ("method", pa.string()),
        ("sparsity", pa.float64()),
        ("hparams", pa.string()),
        ("seed", pa.int64()),
        ("epochs", pa.list_(pa.int64())),
        ("age", pa.list_(pa.int64())),
        ("cost_epochs", F64),
        ("rankable", pa.list_(pa.bool_())),
        ("train_loss", F64),
        ("val_loss", F64),
        ("val_metric", F64),
        ("measured_sparsity", F64),
        ("ls_distance", F64),
        ("ls_distance_trajectory", F64),
        ("ls_top", pa.list_(F64)),
        ("cpu_s", F64),
        ("final_val_loss", pa.float64()),
        ("final_val_metric", pa.float64()),
        ("test_loss", pa.float64()),
        ("test_metric", pa.float64()),
        ("diverged", pa.bool_()),
    ]
)
ROLES = ("candidate", "replicate", "dense")


def _num(value) -> float:
    return math.nan if value is None else float(value)


def improvement(
    curve: list[float], window: int = CONVERGENCE_WINDOW, lower_is_better: bool = True
) -> float | None:
    """Relative improvement of the last value over the one ``window`` epochs before it (None if unknown)."""
    values = [_num(v) for v in curve]
    if len(values) <= window or not all(math.isfinite(v) for v in values[-window - 1 :]):
        return None
    before, last = values[-window - 1], values[-1]
    return (before - last) / abs(before) if lower_is_better else (last - before) / abs(before)


def make_row(
    role: str,
    *,
    candidate_id: str,
    method: str,
    sparsity: float,
    hparams: dict,
    seed: int,
    record: dict,
    distances: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """A table row from a per-epoch ``record`` (see :mod:`hyperprune.training.candidate_record`)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    epochs = [int(e) for e in record["epochs"]]
    n = len(epochs)
    distances = distances or {}
    val_loss = [_num(v) for v in record["val_loss"]]
    test = record.get("test") or {}
    finite = bool(val_loss) and math.isfinite(val_loss[-1])
    return {
        "role": role,
        "candidate_id": candidate_id,
        "method": method,
        "sparsity": float(sparsity),
        "hparams": json.dumps(hparams, sort_keys=True, default=str),
        "seed": int(seed),
        "epochs": epochs,
        "age": [int(a) for a in record.get("age") or epochs],
        "cost_epochs": [_num(c) for c in record.get("cost_epochs") or [0.0] * n],
        "rankable": [bool(r) for r in record.get("rankable") or [True] * n],
        "train_loss": [_num(v) for v in record.get("train_loss") or [math.nan] * n],
        "val_loss": val_loss,
        "val_metric": [_num(v) for v in record["val_metric"]],
        "measured_sparsity": [_num(v) for v in record.get("measured_sparsity") or [math.nan] * n],
        "ls_distance": [_num(v) for v in distances.get("l2") or [math.nan] * n],
        "ls_distance_trajectory": [_num(v) for v in distances.get("trajectory") or [math.nan] * n],
        "ls_top": [[float(x) for x in (s or [])[:LS_TOP]] for s in record.get("ls") or [[]] * n],
        "cpu_s": [_num(v) for v in record.get("cpu_s") or [math.nan] * n],
        "final_val_loss": val_loss[-1] if finite else None,
        "final_val_metric": _num(record["val_metric"][-1]) if finite else None,
        "test_loss": test.get("loss"),
        "test_metric": test.get("ppl", test.get("accuracy")),
        "diverged": bool(record.get("diverged")) or not finite,
    }


def table_meta(
    *,
    spec_dict: dict,
    space: str,
    sparsity: float,
    epochs: int,
    e0: int,
    seeds: list[int],
    lower_is_better: bool,
    producer: str,
    dense_curve: list[float],
    **extra,
) -> dict[str, Any]:
    """The table's metadata, with the dense reference's convergence figure."""
    curve = [_num(v) for v in dense_curve[:epochs]]
    gain = improvement(curve, lower_is_better=lower_is_better)
    return {
        "format": TABLE_FORMAT,
        "version": TABLE_VERSION,
        "producer": producer,
        "space": space,
        "sparsity": float(sparsity),
        "epochs": int(epochs),
        "e0": int(e0),
        "seeds": [int(s) for s in seeds],
        "lower_is_better": bool(lower_is_better),
        "spec": spec_dict,
        "ls_top": LS_TOP,
        "dense": {
            "val_metric": curve,
            "final": curve[-1] if curve else None,
            f"improvement_last_{CONVERGENCE_WINDOW}": gain,
            "converged": None if gain is None else gain < 0.01,
        },
        **extra,
    }


def write_table(path: str | Path, rows: list[dict], meta: dict) -> None:
    """Write ``rows`` and ``meta`` atomically as one Parquet file (zstd)."""
    order = {role: i for i, role in enumerate(ROLES)}
    rows = sorted(rows, key=lambda r: (order[r["role"]], r["seed"], r["candidate_id"]))
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True, default=str).encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    write_bytes(path, buffer.getvalue())


def read_table(path: str | Path) -> tuple[list[dict], dict]:
    """``(rows, meta)`` of a table file (or a directory holding ``table.parquet``); one-line UserError
    when it is missing, damaged or not a table."""
    path = Path(path)
    if path.is_dir():
        path = path / TABLE_FILE
    if not path.is_file():
        raise UserError(f"no benchmark table at {path}")
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    except Exception:  # pyarrow raises several types for damaged files
        raise UserError(f"{path} is not a readable Parquet file (truncated or corrupt)") from None
    if meta.get("format") != TABLE_FORMAT:
        raise UserError(f"{path} is not a hyperprune benchmark table (no {META_KEY.decode()} metadata)")
    rows = table.to_pylist()
    for row in rows:
        row["hparams_dict"] = json.loads(row["hparams"] or "{}")
    return rows, meta


# -- from a calibration directory ---------------------------------------------------------------
def _pool_record(row: dict) -> dict:
    return {
        "epochs": row["epochs"],
        "val_loss": row["val_loss"],
        "val_metric": row["val_metric"],
        "ls": row.get("ls") or [],
        "measured_sparsity": row.get("measured_sparsity") or [],
        "age": row.get("age") or None,
        "cost_epochs": row.get("cost_epochs") or None,
        "rankable": row.get("rankable") or None,
        "test": {"loss": row.get("test_loss"), "ppl": row.get("test_metric")},
        "diverged": row.get("status") == "diverged",
    }


def _dense_row(folder: Path, seed: int, epochs: int, rows: list[dict]) -> dict:
    """Append the dense reference of a search directory (its first ``epochs``) to ``rows``; its record."""
    dense_file = folder / "dense_reference.json"
    if not dense_file.is_file():
        return {}
    dense = json.loads(dense_file.read_text()).get("record") or {}
    record = {key: list(dense.get(key) or [])[:epochs] for key in ("epochs", "val_loss", "val_metric", "ls")}
    record["test"] = dense.get("test") if len(dense.get("epochs") or []) == epochs else None
    rows.append(
        make_row(
            "dense", candidate_id="dense", method="dense", sparsity=0.0, hparams={}, seed=seed, record=record
        )
    )
    return dense


def table_from_calibration(out: str | Path, result: dict, spec_dict: dict) -> tuple[list[dict], dict]:
    """The table of a finished calibration in ``out`` (its pool, replicates and dense reference);
    ``result`` is its analysis (``calibration.json``), whose curves give the offline distances,
    ``spec_dict`` the run settings it trained with."""
    from hyperprune.calibration.curves import ranked_rows
    from hyperprune.searching.pool import read_pool

    out = Path(out)
    opts = result["options"]
    epochs = int(result["epochs"])
    offline = result.get("curves", {}).get("ls-trajectory", {})
    rows = []
    for row in ranked_rows(read_pool(out)):
        cid = row["candidate_id"]
        distances = {"l2": row["ls_distance"], "trajectory": offline.get(cid)}
        rows.append(
            make_row(
                "candidate",
                candidate_id=cid,
                method=row["method"],
                sparsity=row["sparsity"],
                hparams=row["hparams_dict"],
                seed=row["seed"],
                record=_pool_record(row),
                distances=distances,
            )
        )
    seeds = [int(opts["seed"])]
    dense = _dense_row(out, seeds[0], epochs, rows)
    folders = (
        sorted((out / "replicates").glob("seed-*"), key=lambda f: int(f.name.split("-", 1)[1]))
        if (out / "replicates").is_dir()
        else []
    )
    for folder in folders:
        if not (folder / "pool.parquet").is_file():
            continue
        seeds.append(int(folder.name.split("-", 1)[1]))
        for row in ranked_rows(read_pool(folder)):
            rows.append(
                make_row(
                    "replicate",
                    candidate_id=row["candidate_id"],
                    method=row["method"],
                    sparsity=row["sparsity"],
                    hparams=row["hparams_dict"],
                    seed=row["seed"],
                    record=_pool_record(row),
                    distances={"l2": row["ls_distance"]},
                )
            )
        _dense_row(folder, seeds[-1], epochs, rows)
    meta = table_meta(
        spec_dict=spec_dict,
        space=opts.get("space"),
        sparsity=opts.get("sparsity"),
        epochs=epochs,
        e0=int(opts.get("e0") or 1),
        seeds=seeds,
        lower_is_better=bool(result["lower_is_better"]),
        producer="hyperprune calibrate",
        dense_curve=list(dense.get("val_metric") or [])[:epochs],
        preset=opts.get("preset"),
        settings=list(opts.get("settings") or []),
        max_evals=opts.get("max_evals"),
    )
    return rows, meta


# -- the analysis --------------------------------------------------------------------------------
def _aligned(row: dict) -> dict:
    """The row with its measurements indexed by age (the fair clock), rankable ones only."""
    keep = [i for i, r in enumerate(row["rankable"] or [True] * len(row["epochs"])) if r]
    out = dict(row)
    for key in ("val_loss", "val_metric", "ls_distance", "ls_distance_trajectory"):
        values = row.get(key) or []
        out[key] = [values[i] if i < len(values) else None for i in keep]
    ages = row.get("age") or row["epochs"]
    out["age"] = [int(ages[i]) for i in keep]  # as long as the measurements kept
    out["epochs"] = [int(row["epochs"][i]) for i in keep]
    out["status"] = "diverged" if row.get("diverged") else "finished"
    return out


def metric_columns(metrics: list[str]) -> dict[str, str]:
    """Early metric -> table column, for every metric whose values the table holds."""
    from hyperprune.calibration.metrics import EARLY_METRICS

    columns = {}
    for name in metrics:
        info = EARLY_METRICS.get(name)
        column = getattr(info, "column", None) or DISTANCE_COLUMNS.get(getattr(info, "distance", None) or "")
        if column in SCHEMA.names:
            columns[name] = column
    return columns


def curves_of(rows: list[dict], meta: dict, role: str, metrics: list[str], seed: int | None = None):
    """The :class:`~.curves.Curves` of one role (and seed) of a table, indexed by age 1..E."""
    from hyperprune.calibration.curves import Curves

    chosen = [_aligned(r) for r in rows if r["role"] == role and (seed is None or r["seed"] == seed)]
    return Curves.from_rows(
        chosen,
        int(meta["epochs"]),
        lower_is_better=bool(meta["lower_is_better"]),
        metrics=metric_columns(metrics),
    )


def available_metrics(meta: dict) -> list[str]:
    """The early signals a table can be judged by: every registered signal of the task whose
    measured inputs the table holds."""
    from hyperprune.signals.registry import get_signal, signals_for

    kind = "lm" if meta.get("lower_is_better", True) else "classifier"
    return [name for name in signals_for(kind) if all(i in metric_columns([i]) for i in get_signal(name).inputs)]


def signal_inputs(signals: list[str]) -> list[str]:
    """The measured inputs (early metrics with a table column) the signals read."""
    from hyperprune.signals.registry import get_signal

    return list(dict.fromkeys(i for name in signals for i in get_signal(name).inputs))


def analyse_table(
    path: str | Path,
    metrics: list[str] | None = None,
    *,
    tolerance: float = 0.01,
    samples: int | None = None,
    seed: int = 0,
) -> dict:
    """The calibration analysis of a table file: the dict ``calibration.json`` holds, plus ``table``
    (the table's metadata)."""
    from hyperprune.calibration.analysis import analyse
    from hyperprune.calibration.noise import seed_noise
    from hyperprune.calibration.stats import BOOTSTRAP_SAMPLES
    from hyperprune.signals.registry import get_signal

    rows, meta = read_table(path)
    chosen = list(metrics or available_metrics(meta))
    for name in chosen:
        if name not in available_metrics(meta):
            raise UserError(
                f"signal {name!r} cannot be judged from this table; choose from: {', '.join(available_metrics(meta))}"
            )
    curves = curves_of(rows, meta, "candidate", signal_inputs(chosen), seed=meta["seeds"][0])
    replicate_finals = []
    for other in meta["seeds"][1:]:
        rep = curves_of(rows, meta, "replicate", [], seed=other)
        replicate_finals.append(dict(zip(rep.ids, rep.final, strict=True)))
    noise = seed_noise(dict(zip(curves.ids, curves.final, strict=True)), replicate_finals)
    dense = next((r for r in rows if r["role"] == "dense" and r["seed"] == meta["seeds"][0]), None)
    result = analyse(
        curves,
        chosen,
        noise=noise,
        dense=_aligned(dense) if dense else None,
        tolerance=tolerance,
        seed=seed,
        samples=samples or BOOTSTRAP_SAMPLES,
        labels={m: get_signal(m).label for m in chosen},
        prune_by=int(meta["e0"]),
        every_interval=False,
    )
    _fill_shown_intervals(result, curves, seed)
    result["table"] = meta
    result["quality"] = "perplexity" if meta["lower_is_better"] else "accuracy"
    return result


def _fill_shown_intervals(cal: dict, curves, seed: int) -> None:
    """The regret percentile over resampled pools of the schedules a printout shows (bootstrapping
    every schedule of a table takes minutes; these few take seconds)."""
    from hyperprune.calibration.recommendation import regret_percentile
    from hyperprune.calibration.summary import shown_schedules

    for metric in cal["metrics"]:
        for row in shown_schedules(cal, metric):
            if row.get("comparable", True) and row.get("regret_high") is None:
                row["regret_high"] = regret_percentile(curves, row, seed=seed)
