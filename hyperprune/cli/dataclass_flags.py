"""Command-line flags made from an options dataclass, and parsed arguments made back into it.

Every field becomes one flag named after it (``max_evals`` -> ``--max-evals``), typed by its
annotation and defaulting to its default; the metadata :func:`~hyperprune.option_field.option`
gives it says the rest (help, flag name, metavar, registry of accepted names, choices, unset,
default text, repeat, positional). The help ends with the default ("(default 8)") and, for a field
with ``names``, the names its registry accepts, read only when the help is shown so that building
the parser imports no registry. A bool defaulting to False becomes a switch (``--quiet``); one
defaulting to True becomes ``--no-NAME``, which turns it off. A field without a default is a
required flag.

Example::

    add_flags(parser, SearchOptions)
    opts = options_from(SearchOptions, parser.parse_args(argv))
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from functools import cache
from typing import Any


class FlagHelpFormatter(argparse.HelpFormatter):
    """Adds the accepted names of a flag with ``names`` metadata, read when the help is shown, and
    keeps the line breaks of a description or epilog (each line is wrapped on its own, an indented
    one is left as it is)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():  # an indented line (a table row) stays as written
            lines.append(
                indent + line if line.startswith(" ") or not line else super()._fill_text(line, width, indent)
            )
        return "\n".join(lines)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        source = getattr(action, "names_source", None)
        if source is None:
            return text
        from hyperprune.registry import names_of

        listed = ", ".join(names_of(source)).replace("%", "%%")
        return f"{text} [one of: {listed}]"


def flag_name(field: dataclasses.Field) -> str:
    meta = field.metadata
    if "flag" in meta:
        return meta["flag"]
    if field.default is True:
        return "--no-" + field.name.replace("_", "-")
    return "--" + field.name.replace("_", "-")


@cache
def _types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value_type(annotation: Any) -> Any:
    """``int`` for ``int`` and ``int | None``; the annotation itself otherwise."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if type(None) in typing.get_args(annotation) and len(args) == 1:
        return args[0]
    return annotation


def _default_text(field: dataclasses.Field) -> str | None:
    if "default_text" in field.metadata:
        return field.metadata["default_text"]
    default = field.default
    if default is dataclasses.MISSING or default is None or isinstance(default, bool) or default == ():
        return None
    return str(default)


def _help(field: dataclasses.Field) -> str:
    text = field.metadata["help"]
    shown = _default_text(field)
    return text if shown is None else f"{text} (default {shown})"


def _argument(cls: type, field: dataclasses.Field) -> tuple[list[str], dict[str, Any]]:
    """The names and keyword arguments of ``add_argument`` for one field."""
    meta = field.metadata
    kwargs: dict[str, Any] = {"help": _help(field).replace("%", "%%")}
    if "metavar" in meta:
        kwargs["metavar"] = meta["metavar"]
    if meta.get("positional"):
        return [field.name], kwargs
    kwargs["dest"] = field.name
    value_type = _value_type(_types(cls)[field.name])
    if value_type is bool:
        kwargs["action"] = "store_false" if field.default is True else "store_true"
        return [flag_name(field)], kwargs
    if field.default is dataclasses.MISSING:
        kwargs["required"] = True
    elif meta.get("repeat"):
        kwargs.update(action="append", default=[])
    else:
        kwargs["default"] = None if meta.get("unset") else field.default
    if value_type in (int, float):
        kwargs["type"] = value_type
    if "choices" in meta:
        kwargs["choices"] = meta["choices"]
    return [flag_name(field)], kwargs


def add_flags(parser: argparse.ArgumentParser, cls: type) -> None:
    """One argument per field of the options dataclass ``cls``."""
    for field in dataclasses.fields(cls):
        names, kwargs = _argument(cls, field)
        action = parser.add_argument(*names, **kwargs)
        if "names" in field.metadata:
            action.names_source = field.metadata["names"]


def field_lines(cls: type, prefix: str = "", width: int = 28) -> list[str]:
    """One line per field of ``cls`` with help metadata: ``prefix.name  help``."""
    return [
        f"  {prefix + f.name:<{width}}{f.metadata['help']}"
        for f in dataclasses.fields(cls)
        if "help" in f.metadata
    ]


def options_from(cls: type, args: argparse.Namespace, **overrides: Any) -> Any:
    """The ``cls`` instance of parsed ``args``: unset flags take the field defaults, tuples come
    from repeated flags or a comma-separated value, ``overrides`` win."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        value = getattr(args, field.name)
        if value is None and field.metadata.get("unset"):
            continue
        if isinstance(value, str) and isinstance(field.default, tuple):
            value = tuple(item.strip() for item in value.split(",") if item.strip())
        elif isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return cls(**{**values, **overrides})
