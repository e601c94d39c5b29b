"""Everything a report needs from a search directory, read once and tolerant of gaps.

A search directory holds ``pool.parquet`` (required), and when the search got that far
``search.json`` (options), ``dense_reference.json`` and ``result.json``. Missing optional files
leave the matching fields empty; the figures then render a note instead of failing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperprune.errors import UserError
from hyperprune.searching.pool import POOL_FILE, read_pool

FINISHED = ("finished", "finalist", "winner")


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        raise UserError(f"{path} is damaged (not valid JSON); rerun or resume the search") from None
    return data if isinstance(data, dict) else None


@dataclass
class SearchData:
    """The pool rows plus the optional result, options and dense reference of one search."""

    path: Path
    rows: list[dict]
    result: dict | None = None
    options: dict = field(default_factory=dict)
    dense: dict | None = None  # {"epochs", "val_loss", "val_metric", "ls"}
    # {"ls_distance": [...], "val_loss_diff": [...]} (means over the draws), "<field>_sd" their spread,
    # aligned with dense epochs
    noise_floor: dict | None = None

    @property
    def metric(self) -> str:
        """The early-ranking metric: ``ls`` (LS distance) or ``loss``."""
        return (self.result or {}).get("metric") or self.options.get("metric") or "ls"

    @property
    def metric_label(self) -> str:
        return "LS distance (nats/step)" if self.metric == "ls" else "validation loss (nats/token)"

    @property
    def quality_name(self) -> str:
        """``perplexity`` or ``accuracy``: what ``val_metric`` holds."""
        named = (self.result or {}).get("metric_name")
        if named in ("perplexity", "accuracy"):
            return named
        values = [v for r in self.rows for v in (r["val_metric"] or []) if finite(v)]
        return "accuracy" if values and max(values) <= 1.0 else "perplexity"

    @property
    def lower_is_better(self) -> bool:
        return self.quality_name == "perplexity"

    @property
    def e0(self) -> int | None:
        return self.options.get("e0")

    @property
    def ei(self) -> int | None:
        return self.options.get("ei")

    def rung_epoch(self, round_index: int) -> int | None:
        if self.e0 is None or self.ei is None:
            return None
        return int(self.e0) + int(round_index) * int(self.ei)

    @property
    def winner_id(self) -> str | None:
        winner = (self.result or {}).get("winner")
        if winner:
            return winner.get("candidate_id")
        return next((r["candidate_id"] for r in self.rows if r["status"] == "winner"), None)

    def row(self, candidate_id: str | None) -> dict | None:
        return next((r for r in self.rows if r["candidate_id"] == candidate_id), None)

    def finished(self) -> list[dict]:
        """Candidates trained to the full budget with a final validation figure."""
        return [r for r in self.rows if r["status"] in FINISHED and finite(r.get("final_val_metric"))]

    def ranked_rows(self) -> list[dict]:
        """The candidates of the halving (the dense control left out)."""
        return [r for r in self.rows if r["status"] != "control"]

    def control(self) -> dict | None:
        return next((r for r in self.rows if r["status"] == "control"), None)

    def floor_by_epoch(self) -> dict[int, float]:
        """The noise floor of the ranking metric at each dense-reference epoch where it was measured."""
        return self._floor_series("")

    def floor_spread_by_epoch(self) -> dict[int, float]:
        """The spread (sd over the noise-floor draws) of the ranking metric's floor, where measured."""
        return self._floor_series("_sd")

    def _floor_series(self, suffix: str) -> dict[int, float]:
        floor = self.noise_floor or {}
        values = floor.get(("ls_distance" if self.metric == "ls" else "val_loss_diff") + suffix) or []
        epochs = (self.dense or {}).get("epochs") or []
        return {int(e): float(v) for e, v in zip(epochs, values, strict=False) if finite(v)}

    def has_spectra(self) -> bool:
        return any(s for r in self.rows for s in (r["ls"] or []))


def at_epoch(row: dict, column: str, epoch: int) -> float | None:
    """A per-epoch column's value at age ``epoch`` (the rungs' clock: epochs since the candidate's
    last prune-and-rewind event; the last measurement of that age, that of its final network;
    ``None`` when the candidate never reached it)."""
    ages = list(row.get("age") or row.get("epochs") or [])
    values = list(row.get(column) or [])
    if epoch in ages:
        index = len(ages) - 1 - ages[::-1].index(epoch)
        if index < len(values):
            return values[index]
    return None


def rung_metrics(row: dict) -> dict[int, float]:
    try:
        raw = json.loads(row.get("rung_metrics") or "{}")
    except json.JSONDecodeError:
        return {}
    return {int(k): float(v) for k, v in raw.items() if v is not None}


def load_search(search_dir: str | Path) -> SearchData:
    """Read a search directory; a directory that holds no pool is a :class:`UserError`."""
    path = Path(search_dir)
    if not path.is_dir():
        raise UserError(f"{search_dir} is not a directory; give a search output directory")
    if not (path / POOL_FILE).is_file():
        raise UserError(f"{search_dir} holds no search (no {POOL_FILE}); give the --out directory of a search")
    rows = read_pool(path / POOL_FILE)
    meta = _read_json(path / "search.json") or {}
    result = _read_json(path / "result.json")
    options = dict(meta.get("options") or (result or {}).get("options") or {})
    dense_file = _read_json(path / "dense_reference.json") or {}
    record = dense_file.get("record")
    if not record and result and result.get("dense_reference", {}).get("epochs"):
        record = dict(result["dense_reference"], ls=[])
    floor = dense_file.get("noise_floor")
    if not floor and result:
        dense = result.get("dense_reference") or {}
        floor = {"ls_distance": dense.get("noise_floor") or [], "val_loss_diff": dense.get("noise_floor_val_loss") or [],
                 "ls_distance_sd": dense.get("noise_floor_sd") or [],
                 "val_loss_diff_sd": dense.get("noise_floor_val_loss_sd") or []}
    return SearchData(path=path, rows=rows, result=result, options=options, dense=record or None,
                      noise_floor=floor or None)
