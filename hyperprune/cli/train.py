"""``hyperprune train``: train one pruning candidate (or the dense model) and save its artifacts.

Writes ``DIR/checkpoint.pt`` (complete and resumable), ``DIR/weights.pt`` (masked weights,
averaged under NT-ASGD), ``DIR/metrics.json`` (per-epoch metrics, final validation and test
results) and ``DIR/sparsity.json`` (per layer and global). ``--resume`` continues ``DIR`` from
its checkpoint up to ``--epochs``; every other setting then comes from the checkpoint.

Example::

    hyperprune train --method dense --preset tiny --epochs 3 --out runs/dense
    hyperprune train --method dst --sparsity 0.67 --set death=magnitude --set train.lr=10 --out runs/dst
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from hyperprune.cli.dataclass_flags import FlagHelpFormatter, add_flags, field_lines, options_from
from hyperprune.errors import UserError
from hyperprune.run_options import TrainOptions


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("train", help="train one candidate (method + sparsity + hyperparameters)",
                       formatter_class=FlagHelpFormatter,
                       description="Train one pruning candidate, or the dense model, and save its checkpoint, "
                                   "weights, metrics and sparsity report in --out.",
                       epilog=settings_help())
    add_flags(p, TrainOptions)
    p.set_defaults(handler=run)
    return p


def settings_help() -> str:
    """The run settings ``--set`` accepts, from the run spec's dataclasses and their help."""
    from hyperprune.config import RunSpec

    lines = ["Run settings (--set KEY=VALUE; the presets give their values):"]
    for section in dataclasses.fields(RunSpec):
        lines += field_lines(section.default_factory, prefix=f"{section.name}.")
    return "\n".join(lines)


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    return options_from(TrainOptions, args)


def _final_results(run) -> dict[str, Any]:
    return {split: run.evaluate(split) for split in ("valid", "test")}


def write_artifacts(run, out: Path, final: bool) -> dict[str, Any]:
    """metrics.json and sparsity.json (and weights.pt plus test results when ``final``)."""
    from hyperprune.config import spec_to_dict
    from hyperprune.files import write_json

    metrics: dict[str, Any] = {
        "method": run.method_name, "target_sparsity": run.sparsity, "hparams": run.hparams,
        "seed": run.seed, "total_epochs": run.total_epochs, "epochs_done": run.epoch,
        "spec": spec_to_dict(run.spec), "epochs": run.history,
    }
    if final:
        metrics["final"] = _final_results(run)
        run.save_weights(out / "weights.pt")
    write_json(out / "metrics.json", metrics)
    write_json(out / "sparsity.json", run.sparsity_report())
    return metrics


def run(args: argparse.Namespace) -> int:
    from hyperprune.models import TASKS
    from hyperprune.pruning import check_sparsity
    from hyperprune.run_options import build_spec
    from hyperprune.training import TrainingRun
    from hyperprune.training.artifacts import progress_line

    opts = options_from_args(args)
    out = Path(opts.out).expanduser()
    checkpoint = out / "checkpoint.pt"
    if opts.epochs is not None and opts.epochs < 1:
        raise UserError(f"--epochs must be at least 1, got {opts.epochs}")
    if opts.resume:
        if not checkpoint.is_file():
            raise UserError(f"nothing to resume: {checkpoint} does not exist; drop --resume to start a new run")
        training = TrainingRun.load(checkpoint, device=opts.device, total_epochs=opts.epochs)
        print(f"resuming {out} at epoch {training.epoch}/{training.total_epochs}", flush=True)
    else:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UserError(f"{out} is not empty; pass --resume to continue it or choose another --out")
        hparams = opts.hparams()
        spec = build_spec(opts)
        check_sparsity(opts.sparsity, "--sparsity", allow_zero=True)
        training = TrainingRun(spec, method=opts.method, sparsity=opts.sparsity, hparams=hparams,
                               device=opts.device)
        out.mkdir(parents=True, exist_ok=True)
    while not training.finished():
        metrics = training.train_epoch()
        print(progress_line(metrics, training.total_epochs), flush=True)
        training.save(checkpoint)
        write_artifacts(training, out, final=False)
    final = write_artifacts(training, out, final=True)["final"]
    key = TASKS[training.task_kind].quality_key
    print(f"done: valid {key} {final['valid'][key]:.4g}, test {key} {final['test'][key]:.4g}, "
          f"sparsity {training.sparsity_report()['global']['sparsity']:.4f}; wrote {out}", flush=True)
    return 0
