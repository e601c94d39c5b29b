"""The converged calibration results, judged offline from the shipped benchmark tables
(``bench/ranking.py --markdown``): computed from the tables alone, so the same on every machine."""

from __future__ import annotations

from hyperprune.figures.registry import register_table

TABLE_FILES = [
    "bench/tables/reference.parquet",
    "bench/tables/all-methods.parquet",
    "bench/tables/structured.parquet",
]


@register_table(
    "calibration_results", {"calibration_results": ["bench/ranking.py", "--markdown", *TABLE_FILES]}
)
def render(records: dict[str, dict]) -> str:
    record = records["calibration_results"]
    return f"{record['markdown']}\n\n`{record['command']}`"
