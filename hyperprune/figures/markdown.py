"""Small helpers the table renderers share: Markdown rows and the line that says where figures come from."""

from __future__ import annotations


def markdown_table(header: list[str], align: str, rows: list[list[str]]) -> str:
    """A Markdown table; ``align`` has one letter per column: ``l`` (left) or ``r`` (right)."""
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def provenance(records: dict[str, dict]) -> str:
    """One line per stored output: the command, and the machine and date it ran on."""
    lines = []
    for record in records.values():
        m = record["machine"]
        load = f", load average {m['load_average']} at its end" if m.get("load_average") is not None else ""
        lines.append(
            f"Run `{record['command']}`: {m['date']}, {m['cpu']} ({m['cores']} cores), "
            f"{m['torch_threads']} torch thread(s), torch {m['torch']}{load}."
        )
    return "\n".join(lines)


def number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def significant(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` significant figures, 0 as ``0``."""
    return "0" if value == 0 else f"{value:.{digits}g}"
