"""The measured inputs a calibration records for the early signals (:mod:`hyperprune.signals`).

An entry says where the input's per-epoch values come from: a column of ``pool.parquet`` as
the search recorded it (``column``), or an LS distance variant computed offline from the
recorded spectra (``distance``, see :mod:`.spectra`); which task kinds have it; and which search
flags rank by it (what ``hyperprune search --from-calibration`` sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hyperprune.registry import Registry

EARLY_METRICS = Registry("early metric")


@dataclass(frozen=True)
class EarlyMetric:
    name: str
    label: str
    task_kinds: tuple[str, ...]
    search_flags: dict = field(default_factory=dict)
    column: str | None = None  # recorded by the search
    distance: str | None = None  # an LS distance variant computed offline


EARLY_METRICS.register("ls", EarlyMetric("ls", "LS distance (L2)", ("lm",), {"metric": "ls", "ls_distance": "l2"},
                                         column="ls_distance"))
EARLY_METRICS.register("ls-trajectory", EarlyMetric(
    "ls-trajectory", "LS distance (trajectory)", ("lm",), {"metric": "ls", "ls_distance": "trajectory"},
    distance="trajectory"))
EARLY_METRICS.register("loss", EarlyMetric("loss", "validation loss", ("lm", "classifier"), {"metric": "loss"},
                                           column="val_loss"))

ORDER = ("ls", "ls-trajectory", "loss")


def metrics_for(task_kind: str) -> list[str]:
    """Every early metric of a task kind, LS variants first."""
    order = list(ORDER) + [n for n in EARLY_METRICS.names() if n not in ORDER]
    return [n for n in order if task_kind in EARLY_METRICS.get(n).task_kinds]
