"""``hyperprune resume DIR``: continue an interrupted search from what it saved."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("resume", help="continue an interrupted search (driver killed, machine rebooted)")
    p.add_argument("out", metavar="DIR", help="the search's output directory")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    from hyperprune.search.driver import Search
    from hyperprune.search.outcome import exit_status

    search = Search.load(args.out)
    return exit_status(search.resume())
