"""The LS engine against the floor of its unavoidable work (``bench/ls_speed.py``)."""

from __future__ import annotations

from hyperprune.figures.markdown import markdown_table, provenance
from hyperprune.figures.registry import register_table

CPU_ONE_THREAD = ["--clock", "cpu", "--threads", "1", "--repeats", "1"]


@register_table(
    "ls_speed",
    {
        "ls_speed_512": ["bench/ls_speed.py", "--hidden", "512", *CPU_ONE_THREAD],
        "ls_speed_1024": [
            "bench/ls_speed.py",
            "--hidden",
            "1024",
            "--steps",
            "10",
            "--warmup-runs",
            "0",
            *CPU_ONE_THREAD,
        ],
    },
)
def render(records: dict[str, dict]) -> str:
    rows = []
    for record in records.values():
        for r in record["rows"]:
            speedup = f"{r['speedup']:.2f}x" if r["qr_every"] != 1 else ""
            rows.append(
                [
                    str(r["hidden"]),
                    str(r["steps"]),
                    str(r["qr_every"]),
                    f"{r['ls_time_s']:.2f}",
                    f"{r['floor_time_s']:.2f}",
                    f"{r['ls_time_s'] / r['floor_time_s']:.2f}",
                    speedup,
                ]
            )
    header = [
        "hidden",
        "T",
        "qr_every",
        "ls_time (CPU s)",
        "floor_time (CPU s)",
        "ls/floor",
        "speed-up of qr_every",
    ]
    return markdown_table(header, "rrrrrrr", rows) + "\n\n" + provenance(records)
