"""Pruning methods behind one protocol and one registry, grouped by family on a small core.

Layout:

``core/``        what every method shares: the method protocol (:mod:`.core.method`), declared
                 hyperparameters, masks, the sparsity check, the kept-count rule, the
                 largest-remainder allocator, per-layer allocation, exact top-k selection,
                 prune-event schedules and rewinding
``dst/``         dynamic sparse training (Selfish-RNN): sparse init, death, growth,
                 redistribution, death-rate schedule, optimizer-state hygiene
``early/``       the early-mask family: SNIP, MagSign, random masks, simulated annealing
``incop/``       InCoP: PQ-index ratios and information/gradient-flow stops
``structured/``  whole conv filters and recurrent hidden units: masks and physical removal
``dense.py``, ``lottery.py``, ``halo.py``   single-file methods
``registry.py``  method name -> class

Callers outside this package import from here; the names load on first use, so a light
caller (an option check) does not import torch.

Example::

    from hyperprune.pruning import build_method, check_sparsity
    method = build_method("dst", check_sparsity(0.67), {"death": "SET"})
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "METHODS": "registry",
    "build_method": "registry",
    "PruningMethod": "core.method",
    "PruneContext": "core.method",
    "HParam": "core.hparams",
    "Constraint": "core.constraints",
    "EpochShape": "core.cost",
    "WorkCounter": "core.cost",
    "counted": "core.cost",
    "epoch_shape": "core.cost",
    "MaskSet": "core.masks",
    "select_parameters": "core.masks",
    "sparsity_report": "core.masks",
    "SparsityError": "core.sparsity",
    "check_sparsity": "core.sparsity",
    "kept_count": "core.kept_count",
    "FilterMaskSet": "structured.filters",
    "UnitMaskSet": "structured.hidden_units",
    "unit_scores": "structured.hidden_units",
    "remove_units": "structured.hidden_unit_removal",
    "compact_model": "structured.compact",
    "hidden_unit_space": "early.unit_space",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
