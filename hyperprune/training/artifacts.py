"""One-line progress summaries of a training run (JSON files: :mod:`hyperprune.files`)."""

from __future__ import annotations

from typing import Any


def progress_line(metrics: dict[str, Any], total_epochs: int) -> str:
    """``epoch 2/6  train_loss 6.512  val_loss 6.201  val_ppl 493.1  sparsity 0.670  lr 20``.

    ``total_epochs`` is the run's final age; an epoch whose age differs (a method that spent
    epochs finding its mask before a rewind) shows ``age A`` and its cost in epochs too."""
    age = metrics.get("age", metrics["epoch"])
    parts = [f"epoch {metrics['epoch']}" + (f" (age {age}/{total_epochs}, cost {metrics.get('cost_epochs', 0):.3g}"
                                            f"{'' if metrics.get('rankable', True) else ', finding its mask'})"
                                            if age != metrics["epoch"] else f"/{total_epochs}")]
    for key, fmt in (("train_loss", ".4f"), ("val_loss", ".4f"), ("val_ppl", ".2f"), ("val_acc", ".4f"),
                     ("sparsity", ".4f"), ("lr", "g")):
        if key in metrics:
            parts.append(f"{key} {metrics[key]:{fmt}}")
    if metrics.get("asgd"):
        parts.append("asgd")
    if metrics.get("diverged"):
        parts.append("DIVERGED (non-finite loss; training stopped)")
    return "  ".join(parts)
