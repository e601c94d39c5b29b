"""``hyperprune search``: seed a pool, exclude the worse half round by round, train the finalists.

The flags make a :class:`~hyperprune.searching.options.SearchOptions`; :func:`hyperprune.api.search`
runs it, and its result's status becomes the exit status.
"""

from __future__ import annotations

import argparse

from hyperprune.cli.dataclass_flags import FlagHelpFormatter, add_flags, options_from
from hyperprune.searching.from_calibration import SCHEDULE_FLAGS, schedule_from_calibration
from hyperprune.searching.options import SearchOptions


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("search", help="run a hyperpruning search (embedded local Ray by default)",
                       formatter_class=FlagHelpFormatter,
                       description="Search pruning strategies: seed a pool with a hyperparameter optimiser, "
                                   "rank candidates after a few epochs by LS distance or loss, keep the "
                                   "better half round by round, train the finalists fully.",
                       epilog="Exit status: 0 a winner was found, or every candidate diverged (result.json "
                              "status 'diverged'); 2 bad input, nothing started; 3 the search failed "
                              "(status 'failed', first_error in result.json).")
    add_flags(p, SearchOptions)
    p.add_argument("--from-calibration", default=None, metavar="DIR",
                   help=f"take {', '.join(SCHEDULE_FLAGS.values())} from a calibration's recommendation")
    p.add_argument("--no-report", dest="report", action="store_false", help="do not write the HTML report")
    p.set_defaults(handler=run)
    return p


def options_from_args(args: argparse.Namespace) -> SearchOptions:
    schedule = {}
    if args.from_calibration:
        given = {k: getattr(args, k) for k in (*SCHEDULE_FLAGS, "final_epochs")}
        schedule = schedule_from_calibration(args.from_calibration, given)
    return options_from(SearchOptions, args, **schedule)


def run(args: argparse.Namespace) -> int:
    from hyperprune.api import search

    return search(options_from_args(args), report=args.report).exit_status
