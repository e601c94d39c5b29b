"""What every benchmark script shares: the ``--smoke`` size and the ``--json`` output.

``parse_bench_args(parser, smoke)`` adds both flags; ``--smoke`` puts the bench's smoke flags
before the given ones (flags given on the command line still win), so a smoke run is the same
code at a size that takes seconds. ``write_result(args, rows)`` stores the rows, when ``--json``
was given, with the command that produced them and the machine (:func:`machine_info`).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from hyperprune.figures.machine import machine_info


def parse_bench_args(
    parser: argparse.ArgumentParser, smoke: list[str], argv: list[str] | None = None
) -> argparse.Namespace:
    """Parse ``argv`` with ``--smoke`` (prepends ``smoke``) and ``--json FILE`` added to ``parser``."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a size that runs in seconds: {' '.join(smoke)} (given flags win)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="FILE", help="also store the figures as JSON here"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(with_smoke(argv, smoke))
    args.smoke = "--smoke" in argv
    args.command = command_line(parser.prog, argv)
    return args


def with_smoke(argv: list[str], smoke: list[str]) -> list[str]:
    """``argv`` with ``--smoke`` replaced by the smoke flags, before the given ones (which win)."""
    if "--smoke" not in argv:
        return list(argv)
    return [*smoke, *(a for a in argv if a != "--smoke")]


def command_line(prog: str, argv: list[str]) -> str:
    """``python bench/NAME.py ARGS`` without the ``--json`` destination."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--json":
            skip = True
        elif not arg.startswith("--json="):
            kept.append(arg)
    return shlex.join(["python", f"bench/{prog}", *kept])


def write_result(args: argparse.Namespace, rows: list[dict], **extra) -> None:
    """Store ``rows`` (and ``extra`` fields) as the bench's JSON output, if ``--json`` was given."""
    if args.json is None:
        return
    record = {"command": args.command, "smoke": bool(args.smoke), "machine": machine_info(), **extra}
    record["rows"] = rows
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
