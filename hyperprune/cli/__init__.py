"""The ``hyperprune`` command line: one module per sub-command, each with ``add_parser``.

Sub-command modules keep heavy imports (torch, Ray) inside their ``run`` function so that
``hyperprune --help`` stays fast. A :class:`~hyperprune.errors.UserError` anywhere becomes one
line on stderr and exit status 2. The ``hyperprune`` command (and ``python -m hyperprune``)
runs :func:`run_command`: :func:`main`, then the process ends at once.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import threading
from typing import NoReturn

from hyperprune import __version__
from hyperprune.errors import UserError

#: the exit status of a command whose output pipe was closed before it ended (128 + SIGPIPE)
_PIPE_CLOSED = 141
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


def run_command(argv: list[str] | None = None) -> NoReturn:
    """The console command: :func:`main`, then the process ends as the interpreter would end it
    (threads joined, exit handlers run, output flushed) but without freeing every module one by
    one, which after a search (torch, Ray, pandas loaded) takes 0.7-0.9 s on a 2-core machine
    against 0.01 s for the exit handlers. A command that raises (a bug, not a user's mistake)
    exits the ordinary way, with its traceback. Output into a pipe closed early (``| head``) ends
    the command quietly with status 141, as a shell reports a process ended by SIGPIPE."""
    try:
        code = main(argv)
    except BrokenPipeError:
        code = _PIPE_CLOSED
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # what the interpreter runs at exit (Ray's, logging's, multiprocessing's)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader left, or the stream was closed
            code = code or _PIPE_CLOSED
    os._exit(code)
