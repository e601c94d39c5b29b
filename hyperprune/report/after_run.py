"""The report written at the end of a search or calibration: its path printed, never a failure.

Example::

    write_report_if_available("runs/search")   # prints "report: runs/search/report/index.html"
"""

from __future__ import annotations

import sys
from pathlib import Path


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
        print(
            f"report: not written ({type(exc).__name__}: {exc}); retry with 'hyperprune report {search_dir}'",
            file=sys.stderr,
        )
        return None
    print(f"report: {path}")
    return path
