"""Dense against hidden-unit-pruned and compacted models: size, CPU latency, perplexity
(``bench/compact_latency.py``)."""

from __future__ import annotations

from hyperprune.figures.markdown import markdown_table, provenance
from hyperprune.figures.registry import register_table


@register_table(
    "compact_latency",
    {
        "compact_latency_tiny": [
            "bench/compact_latency.py",
            "--sizes",
            "tiny",
            "--dense-steps",
            "300",
            "--finetune-steps",
            "100",
            "--eval-batches",
            "40",
            "--repeats",
            "15",
            "--latency-steps",
            "50",
        ],
    },
)
def render(records: dict[str, dict]) -> str:
    rows = [
        [
            r["size"],
            r["model"],
            r["hidden"],
            f"{r['parameters']:,}",
            f"{r['file_mb']:.2f}",
            f"{r['ms_b1']:.3f}",
            f"{r['ms_b20']:.3f}",
            f"{r['val_ppl']:.1f}",
        ]
        for record in records.values()
        for r in record["rows"]
    ]
    header = [
        "size",
        "model",
        "hidden units",
        "parameters",
        "file (MB)",
        "ms/token, batch 1",
        "ms/token, batch 20",
        "val ppl",
    ]
    return markdown_table(header, "lllrrrrr", rows) + "\n\n" + provenance(records)
