"""``hyperprune search``: seed a pool, exclude the worse half round by round, train the finalists."""

from __future__ import annotations

import argparse
import dataclasses

from hyperprune.cli.dataclass_flags import FlagHelpFormatter, add_flags, flag_name, options_from
from hyperprune.search.options import SearchOptions

DEFAULTS = SearchOptions()

# the options a calibration's recommendation sets (with its epochs as --final-epochs)
SCHEDULE_FLAGS = {f.name: flag_name(f) for f in dataclasses.fields(SearchOptions)
                  if f.name in ("metric", "ls_distance", "e0", "ei", "final_count")}


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


def schedule_from_calibration(path: str, given: dict) -> dict:
    """The recommended metric and schedule of a finished calibration (and its epochs as the budget);
    a flag given on the command line as well is a conflict."""
    from hyperprune.errors import UserError
    from hyperprune.tune.calibrate import read_calibration

    cal = read_calibration(path)
    rec = cal.get("recommendation")
    if not rec:
        raise UserError(f"the calibration in {path} recommends no schedule ({cal.get('recommendation_note')}); "
                        "give --metric, --e0, --ei and --final-count yourself")
    clash = [flag for key, flag in SCHEDULE_FLAGS.items() if given.get(key) is not None]
    if clash:
        raise UserError(f"{clash[0]} conflicts with --from-calibration, which sets it; drop one of them")
    flags = {"metric": rec["metric"], "ls_distance": DEFAULTS.ls_distance,
             **((cal.get("search_flags") or {}).get(rec["metric"]) or {})}
    return {**flags, "e0": rec["e0"], "ei": rec["ei"], "final_count": rec["final_count"],
            "final_epochs": given.get("final_epochs") or cal["epochs"]}


def options_from_args(args: argparse.Namespace) -> SearchOptions:
    schedule = {}
    if args.from_calibration:
        given = {k: getattr(args, k) for k in (*SCHEDULE_FLAGS, "final_epochs")}
        schedule = schedule_from_calibration(args.from_calibration, given)
    return options_from(SearchOptions, args, **schedule)


def run(args: argparse.Namespace) -> int:
    from hyperprune.search.outcome import exit_status
    from hyperprune.tune.driver import Search

    search = Search.prepare(options_from_args(args))
    result = search.start()
    if args.report:
        from hyperprune.cli.report import write_report_if_available

        write_report_if_available(search.out)
    return exit_status(result)
