"""``hyperprune calibrate``: does the early signal predict the final result on this problem?

Trains every candidate of a pool to ``--epochs`` exactly as a search measures it (nobody is
excluded), retrains some from other seeds to measure the noise of the final figure, and writes
``calibration.json`` (correlations with intervals, the regret and compute of every halving
schedule of a grid replayed offline, the noise ceiling, a recommendation), ``pool.parquet`` and
``report/index.html``.

Example::

    hyperprune calibrate --space reference --max-evals 24 --epochs 8 --out runs/cal
    hyperprune search --from-calibration runs/cal --initial-pool runs/cal --out runs/search
"""

from __future__ import annotations

import argparse

from hyperprune.cli.dataclass_flags import FlagHelpFormatter, add_flags, options_from
from hyperprune.search.calibrate_options import CalibrateOptions


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("calibrate", help="measure whether the early metric predicts the final result",
                       formatter_class=FlagHelpFormatter,
                       description="Train a pool to the full budget without exclusion, measure how well each "
                                   "early metric at each epoch predicts the final validation figure (with "
                                   "bootstrap intervals and the seed-noise ceiling), replay halving schedules "
                                   "offline and recommend the cheapest whose pick stays within --tolerance.")
    add_flags(p, CalibrateOptions)
    p.add_argument("--no-report", dest="report", action="store_false", help="do not write the HTML report")
    p.set_defaults(handler=run)
    return p


def options_from_args(args: argparse.Namespace) -> CalibrateOptions:
    return options_from(CalibrateOptions, args)


def finish(calibration, result: dict, report: bool = True) -> None:
    """Write the report and print the tables and the recommendation."""
    from hyperprune.calibration.summary import render

    if report:
        from hyperprune.cli.report import write_report_if_available

        write_report_if_available(calibration.out)
    print(render(result), flush=True)
    print(f"results in {calibration.out}/calibration.json", flush=True)


def run(args: argparse.Namespace) -> int:
    from hyperprune.tune.calibrate import Calibration

    calibration = Calibration.prepare(options_from_args(args))
    finish(calibration, calibration.start(), report=args.report)
    return 0
