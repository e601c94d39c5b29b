"""``hyperprune export``: write a pruned run's model for deployment, compacted when structured.

``RUN_OR_CHECKPOINT`` is a ``checkpoint.pt`` from ``hyperprune train`` (or its directory), or a
search directory (its winner). Prints the parameter count, file size and the output check
(see :mod:`hyperprune.export`), or all of it as JSON with ``--json``.

Example::

    hyperprune export runs/units --out model.pt
    hyperprune export runs/search --out model.onnx --format onnx
    hyperprune export runs/snip --out model.pt --sparse
    hyperprune export runs/front --level 0.8 --out model-0.8.pt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("export", help="export a pruned run's model (physically smaller when structured)",
                       description="Export the model of a training checkpoint or of a search's winner: "
                                   "structured pruning is compacted into smaller modules, unstructured "
                                   "pruning keeps the dense shapes (optionally stored sparse).")
    p.add_argument("source", metavar="RUN_OR_CHECKPOINT",
                   help="checkpoint.pt, a 'hyperprune train' directory, or a search directory (its winner)")
    p.add_argument("--out", required=True, metavar="FILE", help="file to write")
    p.add_argument("--format", choices=("torch", "onnx"), default="torch", help="torch (default) or onnx")
    p.add_argument("--sparse", action="store_true",
                   help="unstructured runs: store the pruned weights as sparse CSR/COO tensors")
    p.add_argument("--level", type=float, default=None, metavar="SPARSITY",
                   help="a search over several target sparsities: export the winner at this one")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)
    return p


def resolve_checkpoint(source: str | Path, level: float | None = None) -> Path:
    """The run checkpoint behind a checkpoint file, a training directory or a search directory
    (its winner, or with ``level`` its winner at that target sparsity)."""
    from hyperprune.errors import UserError

    path = Path(source).expanduser()
    if level is not None and not (path / "result.json").is_file():
        raise UserError(f"--level chooses among the winners of a search; {path} is not a finished search directory")
    if path.is_file():
        return path
    if (path / "checkpoint.pt").is_file():
        return path / "checkpoint.pt"
    if (path / "result.json").is_file():
        from hyperprune.searching.pool import POOL_FILE, read_pool

        winners = [r for r in read_pool(path / POOL_FILE) if r["status"] == "winner"]
        if not winners:
            raise UserError(f"search {path} has no winner to export")
        if level is not None:
            winners = _at_level(path, winners, level)
        elif len(winners) > 1:  # a front: the search's winner is the one at the highest level
            winners = sorted(winners, key=lambda r: -(r["sparsity"] or 0.0))
        checkpoint = Path(winners[0].get("checkpoint") or "") / "run.pt"
        if not checkpoint.is_file():
            raise UserError(f"the winner's checkpoint {checkpoint} is gone; export it with the search's own "
                            "winner/ files or rerun the search")
        return checkpoint
    raise UserError(f"{path} is neither a checkpoint, a training directory nor a search directory")


def _at_level(path: Path, winners: list[dict], level: float) -> list[dict]:
    from hyperprune.errors import UserError

    chosen = [r for r in winners if abs((r["sparsity"] or 0.0) - level) < 1e-6]
    if not chosen:
        levels = ", ".join(f"{r['sparsity']:g}" for r in sorted(winners, key=lambda r: r["sparsity"] or 0.0))
        raise UserError(f"search {path} has no winner at sparsity {level:g}; its levels: {levels}")
    return chosen


def format_info(info: dict) -> str:
    kind = "structured, compacted" if info["structured"] else "unstructured"
    lines = [f"wrote {info['path']} ({info['format']}, {kind}): {info['file_bytes']} bytes",
             f"parameters: {info['parameters_exported']} exported, {info['parameters_pruned_model']} in the "
             f"pruned model ({info['nonzero_parameters']} nonzero)",
             f"check: outputs equal the pruned model's on a validation batch "
             f"(max abs difference {info['max_abs_output_difference']:.3g})"]
    if "note" in info:
        lines.append(info["note"])
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from hyperprune.export import export_run
    from hyperprune.files import jsonable
    from hyperprune.training import TrainingRun

    checkpoint = resolve_checkpoint(args.source, args.level)
    info = export_run(TrainingRun.load(checkpoint), args.out, args.format, args.sparse)
    print(json.dumps(jsonable(info), indent=2) if args.json else format_info(info))
    return 0
