"""The candidate pool on disk: ``pool.parquet``, one row per candidate.

Columns: ``candidate_id``, ``trial_id``, ``method``, ``sparsity`` (the candidate's target: its
level in a search over several), ``hparams`` (JSON text),
``seed``, ``status`` (running, paused, eliminated, diverged, error, finalist, winner, control),
``round_excluded``, per-epoch lists (``epochs``: the training iteration of each measurement,
``age``: epochs since the candidate's last prune-and-rewind event, which is what rungs and the
dense reference's epochs are matched on, ``cost_epochs``: epochs trained before that event plus
the method's extra passes in training epochs, cumulative (see
:mod:`hyperprune.pruning.core.clock`), ``val_loss``, ``val_metric``, ``ls_distance``,
``weight_sparsity``, ``measured_sparsity``, ``method_passes``: forward passes the pruning method
spent beyond training in that epoch, see :mod:`hyperprune.pruning.core.cost`; seconds of the epoch's
phases: ``train_s``, ``eval_s``, ``method_s`` (the method's epoch-end update), ``ls_s`` and
``checkpoint_s`` (from the epoch's result to its saved checkpoint, as the driver sees it)), ``ls``
(one spectrum per epoch; empty where none was measured), ``epochs_trained`` (epochs this search
trained, replayed ones excluded), ``rung_metrics`` (JSON), ``checkpoint`` (the latest checkpoint),
``pool_checkpoint`` (the saved round-1 state used by ``--initial-pool``), the node it ran on
(``node_id``, ``node_ip``, ``hostname``, ``nodes`` = every node that trained it), final
``test_loss`` / ``test_metric``, ``final_val_loss`` / ``final_val_metric``, ``error`` and
``failures`` (times its worker failed; retries continue from the last checkpoint). Pools written
before ``failures`` existed read back with 0 there. ``measured_sparsity`` is the global sparsity
counted from the weights of the network that was measured at that epoch (the same state as its
loss and spectrum); ``weight_sparsity`` holds the same figure under its historical name. Pools
written before ``measured_sparsity`` or the other lists of ``EPOCH_LISTS`` existed read back with
empty lists there.

Files are written atomically (temporary file + rename) and read back with a check of the
schema; a damaged file is one clear error.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from hyperprune.errors import UserError
from hyperprune.files import write_bytes

if TYPE_CHECKING:
    import pandas

POOL_FILE = "pool.parquet"
#: per-epoch lists added after the first pools were written (they read back as empty lists there)
EPOCH_LISTS = ("age", "cost_epochs", "measured_sparsity", "method_passes", "train_s", "eval_s", "method_s", "ls_s", "checkpoint_s")

SCHEMA = pa.schema([
    ("candidate_id", pa.string()),
    ("trial_id", pa.string()),
    ("method", pa.string()),
    ("sparsity", pa.float64()),
    ("hparams", pa.string()),
    ("seed", pa.int64()),
    ("status", pa.string()),
    ("round_excluded", pa.int64()),
    ("epochs", pa.list_(pa.int64())),
    ("age", pa.list_(pa.int64())),
    ("cost_epochs", pa.list_(pa.float64())),
    ("val_loss", pa.list_(pa.float64())),
    ("val_metric", pa.list_(pa.float64())),
    ("ls_distance", pa.list_(pa.float64())),
    ("weight_sparsity", pa.list_(pa.float64())),
    ("measured_sparsity", pa.list_(pa.float64())),
    ("ls", pa.list_(pa.list_(pa.float64()))),
    ("method_passes", pa.list_(pa.float64())),
    ("train_s", pa.list_(pa.float64())),
    ("eval_s", pa.list_(pa.float64())),
    ("method_s", pa.list_(pa.float64())),
    ("ls_s", pa.list_(pa.float64())),
    ("checkpoint_s", pa.list_(pa.float64())),
    ("epochs_trained", pa.int64()),
    ("rung_metrics", pa.string()),
    ("checkpoint", pa.string()),
    ("pool_checkpoint", pa.string()),
    ("node_id", pa.string()),
    ("node_ip", pa.string()),
    ("hostname", pa.string()),
    ("nodes", pa.list_(pa.string())),
    ("test_loss", pa.float64()),
    ("test_metric", pa.float64()),
    ("final_val_loss", pa.float64()),
    ("final_val_metric", pa.float64()),
    ("error", pa.string()),
    ("failures", pa.int64()),
])


def empty_row(candidate_id: str, trial_id: str) -> dict[str, Any]:
    row = {name: None for name in SCHEMA.names}
    row.update(candidate_id=candidate_id, trial_id=trial_id, status="running", epochs=[], val_loss=[],
               val_metric=[], ls_distance=[], weight_sparsity=[], ls=[], nodes=[], epochs_trained=0,
               **{name: [] for name in EPOCH_LISTS},
               rung_metrics="{}", hparams="{}", failures=0)
    return row


def write_pool(path: str | Path, rows: list[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: r["candidate_id"])
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    write_bytes(path, buffer.getvalue())


def read_pool(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a pool file; a missing, damaged or foreign file is a one-line UserError."""
    path = Path(path)
    if path.is_dir():
        path = path / POOL_FILE
    if not path.is_file():
        raise UserError(f"no pool at {path}: give a search output directory or its pool.parquet")
    try:
        table = pq.read_table(path)
    except Exception:  # pyarrow raises several types for damaged files
        raise UserError(f"{path} is not a readable Parquet pool (truncated or corrupt); "
                        "restore it from the search directory or rerun the search") from None
    missing = [n for n in ("candidate_id", "method", "hparams", "status", "epochs") if n not in table.column_names]
    if missing:
        raise UserError(f"{path} is not a hyperprune pool: column {missing[0]!r} is missing")
    rows = table.to_pylist()
    for row in rows:
        row["failures"] = row.get("failures") or 0
        for name in EPOCH_LISTS:
            row[name] = row.get(name) or []
        if not row["age"]:  # written before the fair clock: every measurement aged from init
            row["age"] = list(row["epochs"] or [])
            row["cost_epochs"] = [0.0] * len(row["age"])
        try:
            row["hparams_dict"] = json.loads(row["hparams"] or "{}")
        except json.JSONDecodeError:
            raise UserError(f"{path}: candidate {row['candidate_id']} has unreadable hparams") from None
    return rows


def pool_frame(path: str | Path) -> pandas.DataFrame:
    """The pool of ``path`` (a search directory or its ``pool.parquet``) as a DataFrame: one row
    per candidate, one column per column of the schema, ``hparams`` as a dict."""
    import pandas

    rows = read_pool(path)
    for row in rows:
        row["hparams"] = row.pop("hparams_dict")
    return pandas.DataFrame(rows, columns=SCHEMA.names)
