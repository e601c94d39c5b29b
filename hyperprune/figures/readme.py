"""Rewrite and check the README's generated sections from the stored bench outputs.

A section is everything between ``<!-- table:NAME:start -->`` and ``<!-- table:NAME:end -->``
(each on its own line); its content is the table's rendering of its stored outputs
(``RESULTS/<run name>.json``), a table and the line(s) saying which command, machine and date
produced it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hyperprune.errors import UserError
from hyperprune.figures.registry import Table, tables

SECTION = re.compile(
    r"^<!-- table:(?P<name>[\w-]+):start -->\n(?P<body>.*?)^<!-- table:(?P=name):end -->$", re.M | re.S
)
MARKER = re.compile(r"^<!-- table:([\w-]+):(start|end) -->$", re.M)


def load_records(table: Table, results: Path) -> dict[str, dict]:
    """The stored outputs a table is made of, by run name."""
    records = {}
    for run in table.runs:
        path = results / f"{run}.json"
        if not path.is_file():
            raise UserError(f"table {table.name}: no stored output {path} (rerun it: --rerun {table.name})")
        records[run] = json.loads(path.read_text(encoding="utf-8"))
    return records


def render(table: Table, results: Path) -> str:
    return table.render(load_records(table, results)).rstrip("\n") + "\n"


def sections(text: str) -> dict[str, str]:
    """The README's generated sections, name -> current content; one line per malformed marker fails."""
    found = {m["name"]: m["body"] for m in SECTION.finditer(text)}
    markers = MARKER.findall(text)
    if len(markers) != 2 * len(found) or len({n for n, _ in markers}) != len(found):
        raise UserError("README: table markers must come in start/end pairs, one pair per table")
    return found


def stale_sections(readme: Path, results: Path, names: list[str] | None = None) -> dict[str, tuple[str, str]]:
    """Sections (those named, default all) whose content differs from the rendering:
    name -> (in README, rendered)."""
    known, text = tables(), readme.read_text(encoding="utf-8")
    present = sections(text)
    unknown = sorted(set(present) - set(known))
    if unknown:
        raise UserError(f"README marks tables nobody renders: {', '.join(unknown)}")
    missing = sorted(set(known) - set(present))
    if missing:
        raise UserError(f"README lacks the markers of tables: {', '.join(missing)}")
    stale = {}
    for name, body in present.items():
        if names is not None and name not in names:
            continue
        rendered = render(known[name], results)
        if body != rendered:
            stale[name] = (body, rendered)
    return stale


def rewrite(readme: Path, results: Path, names: list[str] | None = None) -> list[str]:
    """Replace the named (default: all) sections by their renderings; returns the names changed."""
    text = readme.read_text(encoding="utf-8")
    stale = stale_sections(readme, results, names)
    changed = list(stale)

    def replace(match: re.Match) -> str:
        name = match["name"]
        body = stale[name][1] if name in changed else match["body"]
        return f"<!-- table:{name}:start -->\n{body}<!-- table:{name}:end -->"

    if changed:
        readme.write_text(SECTION.sub(replace, text), encoding="utf-8")
    return changed
