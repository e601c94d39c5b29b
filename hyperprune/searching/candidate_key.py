"""The identity of a candidate: two proposals with the same key are the same strategy, trained once."""

from __future__ import annotations

import json
from typing import Any


def candidate_key(method: str, sparsity: float, hparams: dict[str, Any]) -> str:
    """Canonical identity of a candidate: equal keys mean the same strategy (the method's
    effective hyperparameters: those that can change what it does)."""
    from hyperprune.pruning.registry import METHODS

    effective = METHODS.get(method).effective_hparams(hparams) if method in METHODS else hparams
    return json.dumps({"method": method, "sparsity": round(float(sparsity), 6), "hparams": effective},
                      sort_keys=True, default=str)
