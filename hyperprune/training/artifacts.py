"""Run artifacts next to a checkpoint: JSON files and one-line progress summaries.

JSON is written atomically and strictly: non-finite floats (a diverged run's losses) become
``null`` so that any JSON reader accepts the files.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists and non-finite floats as ``None``."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: str | Path, value: Any) -> None:
    """Write ``value`` as indented JSON through a temp file and a rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(jsonable(value), fh, indent=2, allow_nan=False)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def progress_line(metrics: dict[str, Any], total_epochs: int) -> str:
    """``epoch 2/6  train_loss 6.512  val_loss 6.201  val_ppl 493.1  sparsity 0.670  lr 20``."""
    parts = [f"epoch {metrics['epoch']}/{total_epochs}"]
    for key, fmt in (("train_loss", ".4f"), ("val_loss", ".4f"), ("val_ppl", ".2f"), ("val_acc", ".4f"),
                     ("sparsity", ".4f"), ("lr", "g")):
        if key in metrics:
            parts.append(f"{key} {metrics[key]:{fmt}}")
    if metrics.get("asgd"):
        parts.append("asgd")
    if metrics.get("diverged"):
        parts.append("DIVERGED (non-finite loss; training stopped)")
    return "  ".join(parts)
