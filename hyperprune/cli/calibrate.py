"""``hyperprune calibrate``: does the early signal predict the final result on this problem?

Trains every candidate of a pool to ``--epochs`` exactly as a search measures it (nobody is
excluded), retrains some from other seeds to measure the noise of the final figure, and writes
``calibration.json`` (correlations with intervals, the regret and compute of every halving
schedule of a grid replayed offline, the noise ceiling, a recommendation), ``pool.parquet``,
``table.parquet`` (the whole calibration as a benchmark table, evaluated offline by
``bench/ranking.py --offline``) and ``report/index.html``.

Example::

    hyperprune calibrate --space reference --max-evals 24 --epochs 8 --out runs/cal
    hyperprune search --from-calibration runs/cal --initial-pool runs/cal --out runs/search
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hyperprune.cli.dataclass_flags import FlagHelpFormatter, add_flags, options_from
from hyperprune.searching.calibrate_options import CalibrateOptions


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


def show(out: str, result: dict) -> None:
    """Print the tables and the recommendation of a finished calibration in ``out``."""
    from hyperprune.calibration.summary import render

    print(render(result), flush=True)
    print(f"results in {Path(out).expanduser().resolve()}/calibration.json", flush=True)


def run(args: argparse.Namespace) -> int:
    from hyperprune.api import calibrate

    opts = options_from_args(args)
    show(opts.out, calibrate(opts, report=args.report))
    return 0
