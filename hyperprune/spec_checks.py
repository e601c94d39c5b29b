"""Range checks of a whole run spec, so a bad value is one clear line before anything starts.

:func:`check_spec` raises :class:`~hyperprune.errors.UserError` naming the first setting out of
range and what it accepts (``--set model.hidden_size=-5`` used to fail only inside a Ray task).
Every field of :mod:`hyperprune.config` has a rule here; give a new field one too.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hyperprune.config import RunSpec
from hyperprune.errors import UserError

MAX_SEED = 2**32 - 1

_POSITIVE_INT = ("a whole number of at least 1", lambda v: isinstance(v, int) and v >= 1)
_NON_NEGATIVE_INT = ("a whole number of at least 0", lambda v: isinstance(v, int) and v >= 0)
_OPTIONAL_POSITIVE_INT = ("a whole number of at least 1, or none",
                          lambda v: v is None or (isinstance(v, int) and v >= 1))
_FRACTION = ("a number in [0, 1)", lambda v: _number(v) and 0.0 <= v < 1.0)
_NON_NEGATIVE = ("a number of at least 0", lambda v: _number(v) and v >= 0.0)
_POSITIVE = ("a positive number", lambda v: _number(v) and v > 0.0)
_BOOL = ("true or false", lambda v: isinstance(v, bool))
_SEED = (f"a whole number from 0 to {MAX_SEED}", lambda v: isinstance(v, int) and 0 <= v <= MAX_SEED)
_SIZES = ("a non-empty list of whole numbers of at least 1",
          lambda v: isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, int) and x >= 1 for x in v))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _choice(*allowed: str):
    return (f"one of {', '.join(allowed)}", lambda v: v in allowed)


def _rules() -> dict[str, tuple[str, Any]]:
    from hyperprune.models import MODELS

    return {
        "model.kind": _choice(*MODELS.names()),
        "model.emb_size": _POSITIVE_INT,
        "model.hidden_size": _POSITIVE_INT,
        "model.num_layers": _POSITIVE_INT,
        "model.dropout": _FRACTION,
        "model.dropout_h": _FRACTION,
        "model.dropout_i": _FRACTION,
        "model.dropout_e": _FRACTION,
        "model.tie_weights": _BOOL,
        "model.rhn_depth": _POSITIVE_INT,
        "model.mlp_hidden": _SIZES,
        "model.cnn_channels": _SIZES,
        "data.name": ("a data set name", lambda v: isinstance(v, str) and bool(v)),
        "data.path": ("a directory or none", lambda v: v is None or isinstance(v, str)),
        "train.epochs": _POSITIVE_INT,
        "train.batch_size": _POSITIVE_INT,
        "train.eval_batch_size": _POSITIVE_INT,
        "train.bptt": _POSITIVE_INT,
        "train.max_batches": _OPTIONAL_POSITIVE_INT,
        "train.max_eval_batches": _OPTIONAL_POSITIVE_INT,
        "train.optimizer": _choice("sgd", "adam"),
        "train.lr": _POSITIVE,
        "train.momentum": _FRACTION,
        "train.weight_decay": _NON_NEGATIVE,
        "train.clip": _NON_NEGATIVE,
        "train.nt_asgd": _BOOL,
        "train.nonmono": _POSITIVE_INT,
        "train.seed": _SEED,
        "train.threads": _POSITIVE_INT,
        "train.ls_batch_size": _POSITIVE_INT,
        "train.ls_steps": _POSITIVE_INT,
        "train.ls_warmup": _NON_NEGATIVE_INT,
        "train.ls_k": _OPTIONAL_POSITIVE_INT,
        "train.ls_batches": _POSITIVE_INT,
    }


def check_spec(spec: RunSpec) -> None:
    """Raise UserError for the first setting of ``spec`` that is out of range."""
    rules = _rules()
    for section in ("model", "data", "train"):
        for f in dataclasses.fields(getattr(spec, section)):
            key = f"{section}.{f.name}"
            value = getattr(getattr(spec, section), f.name)
            if key not in rules:
                continue
            accepts, ok = rules[key]
            if not ok(value):
                raise UserError(f"{key} must be {accepts}, got {value!r} (change it with --set {key}=VALUE)")
