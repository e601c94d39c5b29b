"""``hyperprune report DIR``: write the HTML report of a search (figures, bracket, pool table)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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


def write_report_if_available(search_dir: str | Path) -> Path | None:
    """Write the report at the end of a search and print its path; never fail the search for it.

    Returns ``None`` (with a one-line reason on stderr) when the directory holds no pool yet or
    drawing fails, so a finished search is never reported as failed because of its report.
    """
    from hyperprune.errors import UserError
    from hyperprune.report import write_report

    try:
        path = write_report(search_dir)
    except UserError as exc:
        print(f"report: not written ({exc})", file=sys.stderr)
        return None
    except Exception as exc:  # a plotting problem must not turn a finished search into a failure
        print(f"report: not written ({type(exc).__name__}: {exc}); retry with 'hyperprune report "
              f"{search_dir}'", file=sys.stderr)
        return None
    print(f"report: {path}")
    return path
