"""Options dataclasses built from Python keywords, checked as the command line checks its flags.

The command line gets typed values from argparse; a Python caller may pass anything, so
:func:`options_with` checks every field against its annotation (``int`` for ``max_evals``,
``str | None`` for ``cache_dir``, a tuple of strings for ``settings``) and turns what is
plainly meant into the field's type (a ``pathlib.Path`` into a string, a list into a tuple).
A mistake is a one-line :class:`~hyperprune.errors.UserError`.

Example::

    opts = options_with(SearchOptions, None, {"max_evals": 4, "out": Path("runs/x")})
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from typing import Any, TypeVar

from hyperprune.errors import UserError

T = TypeVar("T")

_WORDS = {
    int: "a whole number",
    float: "a number",
    bool: "True or False",
    str: "a string",
    type(None): "None",
}


def _alternatives(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _accepts(annotation: Any, value: Any) -> bool:
    if typing.get_origin(annotation) is tuple:
        item = typing.get_args(annotation)[0]
        return isinstance(value, tuple) and all(_accepts(item, v) for v in value)
    if isinstance(value, bool):
        return annotation is bool
    if annotation is float:
        return isinstance(value, (int, float))
    return isinstance(value, annotation)


def _accepts_any(annotation: Any, value: Any) -> bool:
    return any(_accepts(a, value) for a in _alternatives(annotation))


def _described(annotation: Any) -> str:
    words = [
        (
            "a list of strings"
            if typing.get_origin(a) is tuple
            else _WORDS.get(a, getattr(a, "__name__", str(a)))
        )
        for a in _alternatives(annotation)
    ]
    return " or ".join(words)


def _converted(annotation: Any, value: Any) -> Any:
    """``value`` in the field's own type where it plainly means one: a path as a string, a list
    as a tuple."""
    kinds = _alternatives(annotation)
    if isinstance(value, os.PathLike) and str in kinds:
        return os.fspath(value)
    if isinstance(value, list) and any(typing.get_origin(k) is tuple for k in kinds):
        return tuple(os.fspath(v) if isinstance(v, os.PathLike) else v for v in value)
    return value


def options_with(cls: type[T], base: T | None, overrides: dict[str, Any]) -> T:
    """``base`` (or the defaults of ``cls``) with ``overrides`` applied, every field checked."""
    if base is not None and not isinstance(base, cls):
        raise UserError(f"options must be a {cls.__name__}, got {type(base).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in overrides:
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1)
            hint = f"did you mean {close[0]}?" if close else f"see the fields of {cls.__name__}"
            raise UserError(f"unknown option {name!r}; {hint}")
    hints = typing.get_type_hints(cls)
    values = {name: getattr(base, name) for name in fields} if base is not None else {}
    values.update(overrides)
    for name, value in values.items():
        value = values[name] = _converted(hints[name], value)
        if not _accepts_any(hints[name], value):
            raise UserError(f"{name} must be {_described(hints[name])}, got {value!r}")
    return cls(**values)
