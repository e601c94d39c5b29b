"""The README's generated tables: what each is made of and how it is drawn.

A :class:`Table` has a name (its README markers are ``<!-- table:NAME:start -->`` and
``<!-- table:NAME:end -->``), the bench runs it is made of (``run name -> bench command line at
the README's size``; each run's output is stored as ``bench/results/<run name>.json``) and a
renderer from those stored outputs (``{run name: record}``) to the Markdown between the markers.
Renderers live in :mod:`hyperprune.figures.tables`, one module per table, each calling
:func:`register_table`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from hyperprune.errors import UserError


@dataclass(frozen=True)
class Table:
    name: str
    #: run name -> the bench's arguments at the README's size, ``["bench/X.py", "--flag", ...]``
    runs: dict[str, list[str]]
    #: stored outputs by run name -> the Markdown between the README markers (no trailing newline)
    render: Callable[[dict[str, dict]], str]


_TABLES: dict[str, Table] = {}


def register_table(name: str, runs: dict[str, list[str]]) -> Callable:
    """Decorator: register the decorated renderer as table ``name`` made of ``runs``."""

    def decorate(render: Callable[[dict[str, dict]], str]) -> Callable[[dict[str, dict]], str]:
        if name in _TABLES:
            raise ValueError(f"table {name!r} registered twice")
        _TABLES[name] = Table(name, dict(runs), render)
        return render

    return decorate


def tables() -> dict[str, Table]:
    """Every registered table by name (importing the renderer modules on first use)."""
    from hyperprune.figures import tables as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(_TABLES.items()))


def table(name: str) -> Table:
    known = tables()
    if name not in known:
        raise UserError(f"unknown table {name!r}; known: {', '.join(known)}")
    return known[name]
