"""Declarations of a pruning method's hyperparameters: type, default and searchable range.

Every method lists its :class:`HParam` values in one place (the ``HPARAMS`` class attribute);
``hyperprune methods``, ``--set`` validation and the search spaces are all generated from them.

Kinds:
  ``float``   uniform in [low, high] (``log=True``: log-uniform), optional ``step``
  ``int``     integers in [low, high] with ``step``
  ``choice``  one of ``choices``
  ``bool``    true or false
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hyperprune.errors import UserError

KINDS = ("float", "int", "choice", "bool")


@dataclass(frozen=True)
class HParam:
    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"{self.name}: default {self.default!r} not among choices")
        if self.kind in ("float", "int") and not (self.low <= self.default <= self.high):
            raise ValueError(f"{self.name}: default outside [{self.low}, {self.high}]")

    def describe_range(self) -> str:
        if self.kind == "choice":
            return "{" + ", ".join(str(c) for c in self.choices) + "}"
        if self.kind == "bool":
            return "{true, false}"
        text = f"[{self.low}, {self.high}]"
        if self.step:
            text += f" step {self.step}"
        if self.log:
            text += " log"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "default": self.default,
            "range": self.describe_range(),
            "low": self.low,
            "high": self.high,
            "step": self.step,
            "log": self.log,
            "choices": list(self.choices),
            "help": self.help,
        }

    def validate(self, value: Any, where: str = "") -> Any:
        """Coerce ``value`` to this parameter's type or raise a one-line :class:`UserError`."""
        label = f"{where}{self.name}"
        if self.kind == "choice":
            for choice in self.choices:
                if value == choice or str(value) == str(choice):
                    return choice
            raise UserError(f"{label}: {value!r} is not one of {self.describe_range()}")
        if self.kind == "bool":
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                return value.lower() in ("true", "1")
            if isinstance(value, bool):
                return value
            raise UserError(f"{label}: expected true or false, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UserError(f"{label}: expected a number, got {value!r}") from None
        if not math.isfinite(number) or not (self.low - 1e-12 <= number <= self.high + 1e-12):
            raise UserError(f"{label}: {value!r} outside {self.describe_range()}")
        if self.kind == "int":
            if not float(number).is_integer():
                raise UserError(f"{label}: expected an integer, got {value!r}")
            return int(number)
        return number


def resolve(hparams: tuple[HParam, ...], given: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Defaults overlaid with ``given``; unknown keys and out-of-range values are errors."""
    known = {h.name: h for h in hparams}
    unknown = sorted(set(given) - set(known))
    if unknown:
        valid = ", ".join(sorted(known)) or "(none)"
        raise UserError(f"{where}unknown hyperparameter {unknown[0]!r}; valid: {valid}")
    out = {h.name: h.default for h in hparams}
    for key, value in given.items():
        out[key] = known[key].validate(value, where)
    return out
