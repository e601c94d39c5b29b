"""The ``hyperprune`` command line: one module per sub-command, each with ``add_parser``.

Sub-command modules keep heavy imports (torch, Ray) inside their ``run`` function so that
``hyperprune --help`` stays fast. A :class:`~hyperprune.errors.UserError` anywhere becomes one
line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hyperprune import __version__
from hyperprune.errors import UserError

COMMANDS = ("search", "calibrate", "resume", "train", "evaluate", "export", "methods", "signals", "pool", "report")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        self.exit(2, f"hyperprune: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hyperprune",
        description="Find the best pruned variant of a neural network by hyperparameter search.",
    )
    parser.add_argument("--version", action="version", version=f"hyperprune {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"hyperprune.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"hyperprune: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hyperprune: interrupted; finished work is saved, continue with 'hyperprune resume'",
              file=sys.stderr)
        return 130
