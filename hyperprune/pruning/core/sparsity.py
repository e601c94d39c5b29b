"""The one check of a sparsity: a target is a number strictly between 0 and 1.

A target sparsity is the fraction of the prunable weights (or units) a candidate removes: at 0
nothing is pruned, at 1 nothing is left, so a target lies strictly between the two. Every place
that takes a sparsity from a user (``--sparsity``, a search space's ``sparsity``, a method's
constructor) or turns one into counts calls :func:`check_sparsity`, so the range and the message
are the same everywhere. Where 0 means "prune nothing" (the dense reference, a method run
without a target, the ``train`` command's default) the caller says so with ``allow_zero``.

The error is a :class:`~hyperprune.errors.UserError` (one line, exit status 2 from the CLI) and
a ``ValueError`` (what numeric helpers raise on a bad argument).

Example::

    check_sparsity(0.67)                                  # 0.67
    check_sparsity(args.sparsity, "--sparsity")           # names the flag in the message
    check_sparsity(0.0, allow_zero=True)                  # 0.0: prune nothing
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from hyperprune.errors import UserError


class SparsityError(UserError, ValueError):
    """A sparsity outside (0, 1), or not a number."""


def check_sparsity(value: Any, what: str = "sparsity", *, allow_zero: bool = False) -> float:
    """``value`` as a float when it is a target sparsity (``0 < value < 1``), else one-line error.

    ``what`` names the thing checked in the message (a flag such as ``--sparsity``);
    ``allow_zero`` also lets exactly 0 (prune nothing) through.
    """
    number = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if number and (0.0 < value < 1.0 or (allow_zero and value == 0.0)):
        return float(value)
    raise SparsityError(
        f"{what} must be strictly between 0 and 1, got {value!r}; "
        "give the fraction of the weights to prune, for example 0.67"
    )
