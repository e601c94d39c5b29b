"""Shared plumbing of the report's figures: the Agg backend, saving, and the outcome record.

Every figure function returns a :class:`Figure`: either a PNG written into the report folder
or, when the data it needs is missing, a note that the page shows in its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

DENSE_COLOR = "black"
WINNER_COLOR = "tab:green"
FINALIST_COLOR = "tab:blue"
ELIMINATED_COLOR = "tab:red"
FADED_COLOR = "0.6"


@dataclass
class Figure:
    """One section of the report: a title, then an image (relative file name) or a note."""

    title: str
    image: str | None = None
    note: str | None = None
    caption: str = ""
    table: dict | None = None  # {"header": [...], "rows": [[...], ...]}
    extra: dict = field(default_factory=dict)


def new_figure(width: float = 8.0, height: float = 4.5, ncols: int = 1):
    """A figure with ``ncols`` axes side by side (the axes are returned as a list)."""
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), squeeze=False)
    return fig, list(axes[0])


def save(fig, folder: Path, name: str) -> str:
    """Write ``fig`` as ``folder/name`` (PNG, 110 dpi), close it, return the relative name."""
    fig.tight_layout()
    fig.savefig(folder / name, dpi=110, format="png")
    plt.close(fig)
    return name


def short(candidate_id: str, row: dict | None = None) -> str:
    """A legend label: the candidate id, with the method when it is not the only one."""
    if row is None:
        return candidate_id
    return f"{candidate_id} ({row.get('method', '?')})"


def integer_x(ax, values: list[int]) -> None:
    """Whole-number ticks on an epoch axis, with half an epoch of room on both sides."""
    from matplotlib.ticker import MaxNLocator

    distinct = sorted(set(values))
    if not distinct:
        return
    if len(distinct) <= 20:
        ax.set_xticks(distinct)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(distinct[0] - 0.5, distinct[-1] + 0.5)
