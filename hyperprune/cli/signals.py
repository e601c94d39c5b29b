"""``hyperprune signals``: list the early signals a search can rank by (``--metric``) and a
calibration compares, with the measurements each reads and the models it applies to.

Example::

    hyperprune signals
    hyperprune signals --json
"""

from __future__ import annotations

import argparse
import json


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "signals",
        help="list the early signals (--metric) and what each reads",
        description="List every registered early signal: what it ranks candidates by at a rung, "
        "the measurements it reads, and the model kinds it applies to.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(handler=run)
    return p


def describe_signals() -> list[dict]:
    from hyperprune.signals.registry import get_signal, signal_names

    out = []
    for name in signal_names():
        s = get_signal(name)
        out.append(
            {
                "name": name,
                "label": s.label,
                "inputs": list(s.inputs),
                "task_kinds": list(s.task_kinds),
                "rung_wide": s.rung_wide,
                "search_flags": dict(s.search_flags),
            }
        )
    return out


def run(args: argparse.Namespace) -> int:
    entries = describe_signals()
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    width = max(len(e["name"]) for e in entries)
    for e in entries:
        kinds = "language models" if e["task_kinds"] == ["lm"] else "every model"
        print(
            f"{e['name']:<{width}}  {e['label']} (reads {', '.join(e['inputs'])}; {kinds}"
            f"{'; ranks within the rung' if e['rung_wide'] else ''})"
        )
    return 0
