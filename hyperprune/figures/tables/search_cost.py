"""Epochs a search spends against the reference schedule and full training (``bench/search_cost.py``)."""

from __future__ import annotations

from hyperprune.figures.markdown import markdown_table
from hyperprune.figures.registry import register_table


@register_table(
    "search_cost",
    {"search_cost": ["bench/search_cost.py", "--e0", "3", "--ei", "3", "--final-epochs", "100"]},
)
def render(records: dict[str, dict]) -> str:
    record = records["search_cost"]
    rows = [
        [str(r["pool"]), str(r["rounds"]), str(r["this_search"]), str(r["reference"]), str(r["full"])]
        for r in record["rows"]
    ]
    header = [
        "pool",
        "rounds",
        "this search",
        "reference schedule (retrain from scratch)",
        "full training of all",
    ]
    # arithmetic: the same on every machine, so no machine line
    return markdown_table(header, "rrrrr", rows) + f"\n\n`{record['command']}`"
