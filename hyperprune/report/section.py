"""One figure of a report as a section of its page: heading, image, note, caption and table."""

from __future__ import annotations

from hyperprune.report.figure import Figure
from hyperprune.report.html import Page


def add_section(page: Page, fig: Figure) -> None:
    """One figure's heading, image, note, caption and table on ``page``."""
    page.heading(fig.title)
    if fig.image:
        page.image(fig.image, fig.title)
    if fig.note:
        page.note(fig.note)
    if fig.caption and fig.image:
        page.paragraph(fig.caption, "caption")
    if fig.table and fig.table["rows"]:
        page.table(fig.table["header"], fig.table["rows"])
