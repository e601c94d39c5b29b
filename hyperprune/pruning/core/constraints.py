"""Relations between a method's hyperparameters that every configuration must satisfy.

A method declares them once (``CONSTRAINTS``) beside its ``HPARAMS``; the method refuses a
configuration that breaks one, and a search space repairs a proposal that would break one
before it is ever trained, so no searcher wastes a candidate on an invalid configuration.

Example::

    LESS = Constraint("p", "<", "q")
    LESS.holds({"p": 0.5, "q": 1.0})           # True
    LESS.repair({"p": 1.0, "q": 1.0}, {"p": [0.1, 0.2, ..., 1.0]})   # {"p": 0.9, "q": 1.0}
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hyperprune.errors import UserError

_OPS = {"<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class Constraint:
    """``left op right`` between two numeric hyperparameters (``op`` is ``<`` or ``<=``)."""

    left: str
    op: str
    right: str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"constraint operator must be one of {sorted(_OPS)}, got {self.op!r}")

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"

    def holds(self, hp: dict[str, Any]) -> bool:
        return bool(_OPS[self.op](hp[self.left], hp[self.right]))

    def repair(self, hp: dict[str, Any], values: dict[str, Sequence[Any] | None]) -> dict[str, Any] | None:
        """``hp`` changed as little as possible so that the constraint holds, or None.

        ``values`` lists, per hyperparameter, the values it may take (None: it is fixed). The
        left side moves down to its largest allowed value that satisfies the relation; failing
        that, the right side moves up to its smallest one.
        """
        if self.holds(hp):
            return dict(hp)
        test = _OPS[self.op]
        lower = [v for v in values.get(self.left) or () if test(v, hp[self.right])]
        if lower:
            return {**hp, self.left: max(lower)}
        upper = [v for v in values.get(self.right) or () if test(hp[self.left], v)]
        if upper:
            return {**hp, self.right: min(upper)}
        return None


def check_constraints(constraints: Iterable[Constraint], hp: dict[str, Any], where: str = "") -> None:
    """A :class:`UserError` naming the first broken constraint."""
    for c in constraints:
        if not c.holds(hp):
            raise UserError(f"{where}{c.left}={hp[c.left]} and {c.right}={hp[c.right]} break the "
                            f"constraint {c}; choose {c.left} {c.op} {c.right}")
