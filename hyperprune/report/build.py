"""Assemble the HTML report of a search: ``SEARCH_DIR/report/index.html`` plus its PNGs.

Example::

    from hyperprune.report import write_report
    print(write_report("runs/search"))   # runs/search/report/index.html
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.report.bracket import plot_bracket
from hyperprune.report.correlation import plot_correlation
from hyperprune.report.curves import plot_curves
from hyperprune.report.data import load_search
from hyperprune.report.front import plot_front
from hyperprune.report.html import Page
from hyperprune.report.section import add_section
from hyperprune.report.sparsity import plot_sparsity
from hyperprune.report.spectra import plot_spectra
from hyperprune.report.tables import pool_table, summary_lines

REPORT_DIR = "report"
INDEX = "index.html"
FIGURES = (plot_front, plot_bracket, plot_curves, plot_spectra, plot_correlation, plot_sparsity)


def write_report(search_dir: str | Path) -> Path:
    """Write the report of the search (or calibration) in ``search_dir``; returns the path of ``index.html``.

    Figures whose data is missing (no winner, no spectra, too few finished candidates) appear
    as a note; a directory without ``pool.parquet`` is a :class:`~hyperprune.errors.UserError`.
    """
    from hyperprune.calibration.files import RESULT_FILE, read_calibration

    if (Path(search_dir) / RESULT_FILE).is_file():
        from hyperprune.report.calibration import write_calibration_report

        return write_calibration_report(search_dir, read_calibration(search_dir))
    data = load_search(search_dir)
    folder = Path(search_dir) / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # figures of an earlier report that may not be drawn again
        old.unlink()
    page = Page(f"hyperprune search report: {Path(search_dir).resolve().name}")
    page.heading("Summary")
    for line in summary_lines(data):
        page.paragraph(line)
    for plot in FIGURES:
        fig = plot(data, folder)
        if fig is not None:  # a figure that does not apply to this search (the front of one level)
            add_section(page, fig)
    page.heading("Candidate pool")
    table = pool_table(data)
    page.table(table["header"], table["rows"])
    index = folder / INDEX
    tmp = folder / f".{INDEX}.tmp"
    tmp.write_text(page.render(), encoding="utf-8")
    tmp.replace(index)
    return index
