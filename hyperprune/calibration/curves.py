"""The recorded per-epoch curves of a calibration pool, in the shape the analysis reads.

Every candidate was trained to the same budget ``E`` without exclusion. For each early metric
(a column of ``pool.parquet`` such as ``ls_distance`` or ``val_loss``, or one computed offline)
:class:`Curves` holds one value per candidate and *age* ``1..E`` (epochs since the candidate's
last prune-and-rewind event, :mod:`hyperprune.pruning.core.clock`; where an age was measured
more than once, before a later rewind, the last measurement counts, that of the final network);
a value is NaN where the candidate diverged or never got (training stops at divergence).
``pre_clock`` holds each candidate's epochs before its clock started (what finding its mask
cost), so a replay counts every trained epoch. ``final`` is the final
validation figure (perplexity or accuracy), ``final_loss`` the final validation loss (what a
search picks its winner by).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# early metric name -> pool column holding it (offline metrics are added by the caller)
POOL_METRICS = {"ls": "ls_distance", "loss": "val_loss"}


def _value(values, index: int) -> float:
    if index < len(values or []) and values[index] is not None:
        return float(values[index])
    return math.nan


def ranked_rows(rows: list[dict]) -> list[dict]:
    """The pool rows of candidates (control runs, such as a dense control, are never ranked)."""
    return [r for r in rows if r.get("status") != "control"]


@dataclass
class Curves:
    ids: list[str]
    epochs: int
    val_loss: list[list[float]]
    final: list[float]
    final_loss: list[float]
    lower_is_better: bool = True
    metrics: dict[str, list[list[float]]] = field(default_factory=dict)
    pre_clock: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(self.val_loss) != n or len(self.final) != n or len(self.final_loss) != n:
            raise ValueError("every per-candidate list must have one entry per candidate")
        if not self.pre_clock:
            self.pre_clock = [0] * n

    @property
    def size(self) -> int:
        return len(self.ids)

    def at(self, metric: str, epoch: int) -> list[float]:
        """The metric of every candidate at age ``epoch`` (1-based)."""
        return [row[epoch - 1] for row in self.metrics[metric]]

    def final_badness(self) -> list[float]:
        """The final figure oriented so that lower is better (accuracy is negated)."""
        return list(self.final) if self.lower_is_better else [-v for v in self.final]

    @classmethod
    def from_rows(cls, rows: list[dict], epochs: int, lower_is_better: bool = True,
                  metrics: dict[str, str] | None = None) -> Curves:
        """Curves of pool rows (``read_pool``), aligned on ages ``1..epochs``."""
        rows = sorted(ranked_rows(rows), key=lambda r: r["candidate_id"])
        columns = POOL_METRICS if metrics is None else metrics
        aligned = {name: [] for name in columns}
        val_loss, final, final_loss, pre_clock = [], [], [], []
        for row in rows:
            ages = row.get("age") or row["epochs"] or []  # pools from before the clock: age = epoch
            positions = {int(a): i for i, a in enumerate(ages)}  # the last measurement of an age wins
            index = [positions.get(e, 10**9) for e in range(1, epochs + 1)]
            trained = list(row["epochs"] or [])
            pre_clock.append(int(trained[-1]) - int(ages[-1]) if trained and len(ages) == len(trained) else 0)
            loss = [_value(row["val_loss"], i) for i in index]
            val_loss.append(loss)
            for name, column in columns.items():
                aligned[name].append([_value(row[column], i) for i in index])
            reached = math.isfinite(loss[-1])
            final.append(_value(row["val_metric"], index[-1]) if reached else math.nan)
            final_loss.append(loss[-1])
        return cls(ids=[r["candidate_id"] for r in rows], epochs=epochs, val_loss=val_loss, final=final,
                   final_loss=final_loss, lower_is_better=lower_is_better, metrics=aligned, pre_clock=pre_clock)
