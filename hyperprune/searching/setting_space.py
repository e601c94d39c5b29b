"""Training settings a search space may vary per candidate, next to the method's hyperparameters.

A space lists them under a top-level ``train`` key, in the same syntax as hyperparameters::

    train:
      lr: {low: 10, high: 1.0e+12, log: true}     # some candidates may diverge: they are excluded
    methods:
      dst: {sparse_init: [uniform, ER]}

Every method of the space gets them as extra dimensions named ``train.<key>``; a candidate's
``hparams`` then carry e.g. ``"train.lr": 316.2`` (so the pool records them), and
:func:`~hyperprune.training.candidate_settings.split_settings` separates them again into the method's hyperparameters and ``--set``-style
overrides of the run spec. The dense reference keeps the run's own settings.
"""

from __future__ import annotations

from typing import Any

from hyperprune.errors import UserError
from hyperprune.pruning import HParam
from hyperprune.training.candidate_settings import PREFIX, split_settings  # noqa: F401  (re-exported)

SEARCHABLE: dict[str, HParam] = {
    h.name: h
    for h in (
        HParam("lr", "float", 20.0, low=1e-8, high=1e30, log=True, help="learning rate"),
        HParam("momentum", "float", 0.0, low=0.0, high=0.999, help="SGD momentum"),
        HParam("weight_decay", "float", 1.2e-6, low=0.0, high=1.0, help="L2 weight decay"),
        HParam("clip", "float", 0.25, low=0.0, high=1e6, help="gradient-norm clip (0: off)"),
    )
}


def parse_settings_section(raw: Any, name: str, parse_param) -> dict[str, Any]:
    """The ``train`` section of a space as ``{"train.<key>": Domain}``; ``parse_param`` is the
    space's own parser of one hyperparameter (``(owner, HParam, raw) -> Domain``)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise UserError(f"search space {name}: 'train' must map settings ({', '.join(SEARCHABLE)}) to values")
    domains = {}
    for key, value in raw.items():
        if key not in SEARCHABLE:
            raise UserError(f"search space {name}: train.{key} cannot be searched; searchable settings: "
                            f"{', '.join(SEARCHABLE)}")
        domains[PREFIX + key] = parse_param("train", SEARCHABLE[key], value)
    return domains
