"""``hyperprune report DIR``: write the HTML report of a search (figures, bracket, pool table).

A search or calibration writes it at its end with
:func:`hyperprune.report.after_run.write_report_if_available`.
"""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("report", help="write the HTML report of a search",
                       description="Write DIR/report/index.html with the search's figures and tables; "
                                   "it opens from disk in any browser.")
    p.add_argument("path", metavar="DIR", help="a search output directory (the --out of 'hyperprune search')")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    from hyperprune.report import write_report

    print(f"report: {write_report(args.path)}")
    return 0

