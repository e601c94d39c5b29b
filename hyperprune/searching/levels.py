"""Target sparsity levels: one search can aim at several (a front of pruned models).

A level is a target sparsity in (0, 1). ``--sparsity`` takes one (``0.67``) or a comma-separated
list (``0.5,0.67,0.8,0.9``); a space file's ``sparsity:`` takes a number, a list, or a range
``{low: 0.5, high: 0.9, count: 5}`` (``count`` evenly spaced levels, both ends included). Levels
are sorted and deduplicated; an options object keeps a single level as a float and several as a
tuple, so searches with one level read and write exactly what they always did.
"""

from __future__ import annotations

from typing import Any

from hyperprune.errors import UserError
from hyperprune.pruning import check_sparsity

#: levels closer than this are the same level (candidate keys round sparsities to 6 digits)
_SAME = 1e-6


def parse_levels(value: Any, what: str = "--sparsity") -> tuple[float, ...]:
    """The sorted distinct levels ``value`` names; a one-line :class:`UserError` otherwise."""
    if isinstance(value, str):
        items: list[Any] = [v.strip() for v in value.split(",")]
        if not all(items):
            raise UserError(f"{what}: give target sparsities separated by commas, e.g. 0.5,0.67,0.8")
        try:
            items = [float(v) for v in items]
        except ValueError:
            raise UserError(
                f"{what} must be numbers strictly between 0 and 1 separated by commas, got {value!r}"
            ) from None
    elif isinstance(value, dict):
        items = _range(value, what)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    if not items:
        raise UserError(f"{what}: give at least one target sparsity")
    levels: list[float] = []
    for item in sorted(check_sparsity(v, what) for v in items):
        if not levels or item - levels[-1] > _SAME:
            levels.append(round(item, 6))
    return tuple(levels)


def _range(spec: dict, what: str) -> list[float]:
    if set(spec) != {"low", "high", "count"}:
        raise UserError(
            f"{what}: a range needs exactly low, high and count, e.g. {{low: 0.5, high: 0.9, count: 5}}"
        )
    low, high, count = spec["low"], spec["high"], spec["count"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise UserError(f"{what}: count must be a whole number of levels, at least 1, got {count!r}")
    check_sparsity(low, what)
    check_sparsity(high, what)
    if high < low:
        raise UserError(f"{what}: high ({high}) must not be below low ({low})")
    if count == 1:
        return [float(low)]
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def option_value(levels: tuple[float, ...]) -> float | tuple[float, ...]:
    """How an options object holds ``levels``: a float for one, a tuple for several."""
    return levels[0] if len(levels) == 1 else tuple(levels)


def levels_of(opts) -> tuple[float, ...]:
    """The levels of a search's or calibration's options (after the space's default was applied)."""
    return parse_levels(opts.sparsity if opts.sparsity is not None else 0.67)


def level_label(level: float) -> str:
    """A level as written in file names, flags and tables: ``0.8``, ``0.67``."""
    return f"{level:g}"


def nearest_level(levels: tuple[float, ...], row: dict) -> float:
    """The level of a pool row (its target ``sparsity``), the nearest of ``levels``."""
    return min(levels, key=lambda level: abs(level - float(row.get("sparsity") or 0.0)))
