"""``option()``: a dataclass field of an options class with what its command-line flag needs.

The options of ``search``, ``calibrate``, ``train`` and ``resume`` are frozen dataclasses whose
fields are declared with :func:`option`; :mod:`hyperprune.cli.dataclass_flags` turns them into
argparse flags. Everything beyond the default and the help is optional:

- ``flag``: the flag's name where it is not the field's (``"--set"`` for ``settings``);
- ``metavar``: the value's name in the help;
- ``names``: ``"module:attribute"`` of the registry (or mapping, or function) listing the accepted
  values; read only when the help is shown (the options' own checks reject a wrong name);
- ``choices``: the values argparse itself accepts;
- ``unset``: the flag defaults to None, so a command can tell whether it was given (the field's
  default applies when it was not);
- ``default_text``: how the default reads in the help where the value does not say it;
- ``repeat``: a tuple field whose flag may be given several times (without it, a tuple is one
  comma-separated value);
- ``positional``: a positional argument instead of a flag.

An option is declared once, by the class that introduces it; a subclass that needs another default
or help for it says so with :func:`refined` rather than declaring it again.

Example::

    @dataclass(frozen=True)
    class Options:
        max_evals: int = option(8, "candidates proposed")
        model: str | None = option(None, "model kind", names="hyperprune.models:MODELS",
                                   default_text="the preset's")
"""

from __future__ import annotations

import dataclasses
from typing import Any


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    flag: str | None = None,
    metavar: str | None = None,
    names: str | None = None,
    choices: tuple[str, ...] | None = None,
    unset: bool = False,
    default_text: str | None = None,
    repeat: bool = False,
    positional: bool = False,
) -> Any:
    """A dataclass field (without ``default``: a required one) documented for its flag."""
    given = {
        "flag": flag,
        "metavar": metavar,
        "names": names,
        "choices": choices,
        "unset": unset,
        "default_text": default_text,
        "repeat": repeat,
        "positional": positional,
    }
    metadata = {"help": help, **{k: v for k, v in given.items() if v not in (None, False)}}
    return dataclasses.field(default=default, metadata=metadata)


def refined(cls: type, name: str, *, default: Any = dataclasses.MISSING, help: str | None = None) -> Any:
    """The option ``name`` declared by the options class ``cls``, for a subclass that uses it with
    another default and/or help (the flag, registry and the rest stay as declared)."""
    declared = cls.__dataclass_fields__[name]
    metadata = dict(declared.metadata) if help is None else {**declared.metadata, "help": help}
    return dataclasses.field(default=declared.default if default is dataclasses.MISSING else default,
                             metadata=metadata)
