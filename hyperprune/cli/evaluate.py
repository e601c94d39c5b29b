"""``hyperprune evaluate``: validation/test quality and per-layer sparsity of a saved run.

Takes a ``checkpoint.pt`` written by ``hyperprune train`` (or the directory holding it) and
prints loss and perplexity (language models) or accuracy (classifiers) and a per-layer
sparsity table, or all of it as JSON with ``--json``.

Example::

    hyperprune evaluate runs/dst/checkpoint.pt
    hyperprune evaluate runs/dst --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("evaluate", help="evaluate a saved training checkpoint (quality and sparsity)",
                       description="Evaluate a checkpoint from 'hyperprune train' on the validation and test "
                                   "splits and report its per-layer sparsity.")
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="checkpoint.pt, or the run directory holding it")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.set_defaults(handler=run)
    return p


def evaluate_checkpoint(path: str | Path, device: str = "cpu") -> dict[str, Any]:
    """Load a checkpoint and return its identity, split results and sparsity report."""
    from hyperprune.training import TrainingRun

    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "checkpoint.pt"
    run = TrainingRun.load(path, device=device)
    return {
        "checkpoint": str(path),
        "model": run.spec.model.kind,
        "data": run.spec.data.name,
        "method": run.method_name,
        "target_sparsity": run.sparsity,
        "hparams": run.hparams,
        "epoch": run.epoch,
        "total_epochs": run.total_epochs,
        "asgd": run.asgd,
        "task": run.task_kind,
        "valid": run.evaluate("valid"),
        "test": run.evaluate("test"),
        "sparsity": run.sparsity_report(),
    }


def format_report(result: dict[str, Any]) -> str:
    """Human-readable tables of :func:`evaluate_checkpoint`'s result."""
    lines = [f"{result['checkpoint']}: {result['model']} on {result['data']}, method {result['method']} "
             f"(target sparsity {result['target_sparsity']:g}), epoch {result['epoch']}/{result['total_epochs']}"
             + (", averaged weights (ASGD)" if result["asgd"] else "")]
    from hyperprune.models import TASKS

    task = TASKS[result["task"]]
    lines += ["", f"{'split':<8}{'loss':>10}{task.quality:>14}"]
    for split in ("valid", "test"):
        lines.append(f"{split:<8}{result[split]['loss']:>10.4f}{result[split][task.quality_key]:>14.4f}")
    layers = result["sparsity"]["layers"]
    width = max([len(name) for name in layers] + [len("global")]) + 2
    lines += ["", f"{'layer':<{width}}{'total':>12}{'nonzero':>12}{'sparsity':>10}"]
    rows = list(layers.items()) + [("global", result["sparsity"]["global"])]
    for name, row in rows:
        lines.append(f"{name:<{width}}{row['total']:>12}{row['nonzero']:>12}{1.0 - row['density']:>10.4f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from hyperprune.files import jsonable

    result = evaluate_checkpoint(args.checkpoint, device=args.device)
    print(json.dumps(jsonable(result), indent=2) if args.json else format_report(result))
    return 0
