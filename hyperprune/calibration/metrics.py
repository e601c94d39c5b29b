"""The early metrics a calibration judges, one registry entry each.

An entry says where the metric's per-epoch values come from (a column of ``pool.parquet``, as
the search recorded it), which task kinds have it, and which search flags rank by it (what
``hyperprune search --from-calibration`` sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hyperprune.registry import Registry

EARLY_METRICS = Registry("early metric")


@dataclass(frozen=True)
class EarlyMetric:
    name: str
    label: str
    column: str
    task_kinds: tuple[str, ...]
    search_flags: dict = field(default_factory=dict)


EARLY_METRICS.register("ls", EarlyMetric("ls", "LS distance", "ls_distance", ("lm",), {"metric": "ls"}))
EARLY_METRICS.register("loss", EarlyMetric("loss", "validation loss", "val_loss", ("lm", "classifier"),
                                           {"metric": "loss"}))


def metrics_for(task_kind: str) -> list[str]:
    """Every early metric of a task kind, in registry order (LS first)."""
    order = ["ls", "loss"] + [n for n in EARLY_METRICS.names() if n not in ("ls", "loss")]
    return [n for n in order if task_kind in EARLY_METRICS.get(n).task_kinds]
