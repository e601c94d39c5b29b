"""What each cheaper way of measuring the LS costs in ranking fidelity (``bench/ls_fidelity.py``)."""

from __future__ import annotations

from hyperprune.figures.markdown import markdown_table, provenance, significant
from hyperprune.figures.registry import register_table


@register_table(
    "ls_fidelity",
    {"ls_fidelity": ["bench/ls_fidelity.py", "--batches", "1", "--qr-every", "1", "2", "4", "8"]},
)
def render(records: dict[str, dict]) -> str:
    rows = [
        [
            r["dtype"],
            str(r["qr_every"]),
            str(r["steps"]),
            str(r["sequences"]),
            f"{r['cpu_s']:.3f}",
            f"{r['vs_exact']:.2f}x",
            f"{r['vs_float32_qr1']:.2f}x",
            significant(r["max_error"]),
            f"{r['spearman']:.3f}",
        ]
        for r in records["ls_fidelity"]["rows"]
    ]
    header = [
        "dtype",
        "qr_every",
        "steps",
        "sequences",
        "CPU s",
        "vs exact",
        "vs float32 every step",
        "max exponent error",
        "Spearman",
    ]
    return markdown_table(header, "lrrrrrrrr", rows) + "\n\n" + provenance(records)
