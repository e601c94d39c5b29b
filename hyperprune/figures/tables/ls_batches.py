"""How many LS batches to average: noise floor and measurement noise against cost (``bench/ls_batches.py``)."""

from __future__ import annotations

from hyperprune.figures.markdown import markdown_table, provenance
from hyperprune.figures.registry import register_table


@register_table("ls_batches", {"ls_batches": ["bench/ls_batches.py"]})
def render(records: dict[str, dict]) -> str:
    rows = [
        [
            str(r["batches"]),
            f"{r['floor']:.3f}",
            f"{r['noise_dense']:.3f}",
            f"{r['noise_dst']:.3f}",
            f"{r['noise_dense'] / r['floor']:.2f}",
            f"{r['seconds']:.2f}",
        ]
        for r in records["ls_batches"]["rows"]
    ]
    header = [
        "LS batches",
        "noise floor",
        "batch noise (dense)",
        "batch noise (DST)",
        "dense noise / floor",
        "time (s)",
    ]
    return markdown_table(header, "rrrrrr", rows) + "\n\n" + provenance(records)
