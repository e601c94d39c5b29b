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
from pathlib import Path
from typing import Any

from hyperprune.errors import UserError


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("train", help="train one candidate (method + sparsity + hyperparameters)",
                       description="Train one pruning candidate, or the dense model, and save its checkpoint, "
                                   "weights, metrics and sparsity report in --out.")
    p.add_argument("--method", default="dense", help="pruning method (see 'hyperprune methods'; default dense)")
    p.add_argument("--sparsity", type=float, default=0.0, help="target sparsity in [0, 1) (default 0)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="KEY without a dot: method hyperparameter (death=magnitude); with a dot: run "
                        "setting (train.lr=10, model.hidden_size=64)")
    p.add_argument("--preset", default="tiny", help="tiny (CPU) or paper (2x1500 LSTM) (default tiny)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the preset's)")
    p.add_argument("--out", required=True, help="output directory (must be empty unless --resume)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: the preset's, 0)")
    p.add_argument("--model", default=None, help="model kind: lstm, gru, rnn_tanh, rhn, mlp, cnn")
    p.add_argument("--data", default=None, help="data: embedded, ptb, digits, mnist, cifar10")
    p.add_argument("--data-path", default=None, help="directory of the data files (ptb, mnist, cifar10)")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out up to --epochs (all other settings come from its checkpoint)")
    p.set_defaults(handler=run)
    return p


def split_settings(items: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """``--set`` items -> (method hyperparameters, dotted run settings)."""
    from hyperprune.config import parse_settings

    values = parse_settings(items)
    hparams = {k: v for k, v in values.items() if "." not in k}
    settings = {k: v for k, v in values.items() if "." in k}
    return hparams, settings


def build_spec(args: argparse.Namespace, settings: dict[str, Any]):
    from hyperprune.config import build_spec as make_spec

    values: dict[str, Any] = dict(settings)
    if args.epochs is not None:
        values["train.epochs"] = args.epochs
    if args.seed is not None:
        values["train.seed"] = args.seed
    return make_spec(args.preset, model=args.model, data=args.data, data_path=args.data_path,
                     settings=values)


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
    from hyperprune.pruning import check_sparsity
    from hyperprune.training import TrainingRun
    from hyperprune.training.artifacts import progress_line

    out = Path(args.out).expanduser()
    checkpoint = out / "checkpoint.pt"
    if args.epochs is not None and args.epochs < 1:
        raise UserError(f"--epochs must be at least 1, got {args.epochs}")
    if args.resume:
        if not checkpoint.is_file():
            raise UserError(f"nothing to resume: {checkpoint} does not exist; drop --resume to start a new run")
        training = TrainingRun.load(checkpoint, device=args.device, total_epochs=args.epochs)
        print(f"resuming {out} at epoch {training.epoch}/{training.total_epochs}", flush=True)
    else:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UserError(f"{out} is not empty; pass --resume to continue it or choose another --out")
        hparams, settings = split_settings(args.settings)
        spec = build_spec(args, settings)
        check_sparsity(args.sparsity, "--sparsity", allow_zero=True)
        training = TrainingRun(spec, method=args.method, sparsity=args.sparsity, hparams=hparams,
                               device=args.device)
        out.mkdir(parents=True, exist_ok=True)
    while training.epoch < training.total_epochs:
        metrics = training.train_epoch()
        print(progress_line(metrics, training.total_epochs), flush=True)
        training.save(checkpoint)
        write_artifacts(training, out, final=False)
    final = write_artifacts(training, out, final=True)["final"]
    key = "ppl" if training.task_kind == "lm" else "accuracy"
    print(f"done: valid {key} {final['valid'][key]:.4g}, test {key} {final['test'][key]:.4g}, "
          f"sparsity {training.sparsity_report()['global']['sparsity']:.4f}; wrote {out}", flush=True)
    return 0
