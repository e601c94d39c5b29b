"""``hyperprune methods``: list the registered pruning methods and their hyperparameters.

Every method declares its hyperparameters once (``HPARAMS``, :mod:`hyperprune.pruning.core.hparams`);
this command prints them as a readable table or, with ``--json``, as a list of
``{name, summary, task_kinds, hparams: [HParam.to_json()]}``.

Example::

    hyperprune methods
    hyperprune methods dst --json
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("methods", help="list the pruning methods and their hyperparameters",
                       description="List every registered pruning method with its summary, the model kinds "
                                   "it applies to, and its hyperparameters (type, default, searchable range).")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these methods (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of tables")
    p.set_defaults(handler=run)
    return p


def describe_methods(names: list[str] | None = None) -> list[dict[str, Any]]:
    """One JSON-ready entry per method (all registered ones when ``names`` is empty)."""
    from hyperprune.pruning import METHODS

    chosen = list(names) if names else METHODS.names()
    entries = []
    for name in chosen:
        cls = METHODS.get(name)
        entries.append({
            "name": name,
            "summary": cls.summary,
            "task_kinds": sorted(cls.task_kinds),
            "hparams": [h.to_json() for h in cls.HPARAMS],
        })
    return entries


def _format_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_table(entries: list[dict[str, Any]]) -> str:
    """Human-readable text: a heading per method, then one aligned row per hyperparameter."""
    blocks = []
    for entry in entries:
        lines = [f"{entry['name']}  ({', '.join(entry['task_kinds'])})", f"  {entry['summary']}"]
        rows = [("hyperparameter", "type", "default", "range")]
        rows += [(h["name"], h["type"], _format_default(h["default"]), h["range"]) for h in entry["hparams"]]
        if len(rows) == 1:
            lines.append("  (no hyperparameters)")
        else:
            widths = [max(len(row[i]) for row in rows) for i in range(3)]
            for row in rows:
                cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
                lines.append("  " + "  ".join([*cells, row[3]]).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def level_seeding_lines() -> list[str]:
    """How each searcher seeds a search over several target sparsities (--sparsity 0.5,0.8)."""
    from hyperprune.searching.searchers import SEARCHERS
    from hyperprune.searching.searchers.level_seeding import learns_across_levels

    lines = ["Searchers with several target sparsities (--sparsity 0.5,0.67,0.8):"]
    for name in SEARCHERS.names():
        how = ("one model for all levels: scores at one level shape proposals at the others"
               if learns_across_levels(name) else "seeded per level (one model per level, the search's seed)")
        lines.append(f"  {name:<8}{how}")
    return lines


def run(args: argparse.Namespace) -> int:
    entries = describe_methods(args.names)
    if args.json:
        print(json.dumps(entries, indent=2))
    else:
        print(format_table(entries))
        if not args.names:
            print("\n" + "\n".join(level_seeding_lines()))
    return 0
