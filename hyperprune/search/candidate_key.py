"""The identity of a candidate: two proposals with the same key are the same strategy, trained once."""

from __future__ import annotations

import json
from typing import Any


def candidate_key(method: str, sparsity: float, hparams: dict[str, Any]) -> str:
    """Canonical identity of a candidate: equal keys mean the same strategy."""
    return json.dumps(
        {"method": method, "sparsity": round(float(sparsity), 6), "hparams": hparams},
        sort_keys=True,
        default=str,
    )
