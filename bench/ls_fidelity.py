"""What each cheaper way of measuring the LS costs in ranking fidelity, and what it saves.

A pool of differently pruned networks (methods and their settings at one sparsity, each trained
the same number of epochs from the same start as the dense reference) is measured with the exact
spectrum (float64, a QR every step, the full evaluation batch) and with each lever: float32,
a QR only every ``qr_every`` steps, fewer accumulation steps, fewer sequences, and their
combinations. For each lever it prints the CPU time of one spectrum (mean over the pool; CPU
time, so that other work on a shared machine does not blur the comparison), the
speed-up against the exact setting and against the float32 every-step setting, the largest
exponent error, and the Spearman rank correlation of the pool's LS distances to the dense
reference against the exact ones. The last line names the fastest lever whose Spearman is at
least ``--min-spearman``.

Usage::

    python bench/ls_fidelity.py                           # 14 pruned 2x256 LSTMs, tiny preset
    python bench/ls_fidelity.py --hidden 512 --epochs 3 --qr-every 1 2 3 4
    python bench/ls_fidelity.py --batches 1 --qr-every 1 2 4 8 --json bench/results/ls_fidelity.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from dataclasses import dataclass

import torch
from scipy.stats import spearmanr

from hyperprune.config import TrainConfig, override, preset
from hyperprune.figures.bench_output import parse_bench_args, write_result
from hyperprune.lyapunov.probe import LSProbe
from hyperprune.training.run import TrainingRun

#: differently pruned networks at one sparsity, as a search's pool is: methods and their settings
POOL = [
    ("random", {}),
    ("random", {"allocation": "uniform"}),
    ("magsign", {}),
    ("magsign", {"score": "magnitude"}),
    ("snip", {}),
    ("snip", {"n_batches": 1}),
    ("dst", {"sparse_init": "uniform"}),
    ("dst", {"sparse_init": "ERK", "death": "SET"}),
    ("dst", {"death": "threshold", "growth": "momentum", "redistribution": "magnitude"}),
    ("dst", {"growth": "gradient", "death_rate": 0.8}),
    ("lottery", {}),
    ("halo", {}),
    ("incop", {}),
    ("lottery", {"scope": "layerwise", "rewind": "epoch"}),
]


#: a pool of 3 small networks, 1 epoch of 2 batches, 2 levers on 5 steps of 1 sequence
SMOKE = ["--networks", "3", "--hidden", "16", "--epochs", "1", "--max-batches", "2", "--qr-every", "1", "2",
         "--steps", "5", "--batch", "1", "--exact-steps", "5", "--exact-batch", "1", "--batches", "1"]


@dataclass(frozen=True)
class Lever:
    dtype: torch.dtype
    qr_every: int
    steps: int
    batch: int

    def label(self) -> str:
        return (
            f"{str(self.dtype)[6:]:>7} qr_every={self.qr_every:<2d} steps={self.steps:<2d} batch={self.batch}"
        )


def build_pool(args: argparse.Namespace) -> tuple[TrainingRun, list[TrainingRun]]:
    spec = override(
        preset(args.preset),
        {
            "model.hidden_size": args.hidden,
            "model.emb_size": args.hidden,
            "train.max_batches": args.max_batches,
            "train.max_eval_batches": 5,
            "train.threads": args.threads,
            "train.ls_steps": args.exact_steps,
            "train.ls_batch_size": args.exact_batch,
        },
    )
    dense = TrainingRun(spec, total_epochs=args.epochs)
    runs = [
        TrainingRun(spec, method=method, sparsity=args.sparsity, hparams=hparams, total_epochs=args.epochs)
        for method, hparams in POOL[: args.networks]
    ]
    for run in [dense, *runs]:
        for _ in range(args.epochs):
            run.train_epoch()
        print(f"# trained {run.method_name} {json.dumps(run.hparams, sort_keys=True)[:60]}", flush=True)
    return dense, runs


def lever_probe(run: TrainingRun, lever: Lever, batches: int) -> LSProbe:
    """The search's probe (same seeded windows, ``batches`` of them) with the lever's settings."""
    cfg = run.spec.train
    return LSProbe.build(
        run.data.valid,
        batch_size=lever.batch,
        steps=lever.steps,
        warmup=cfg.ls_warmup,
        batches=batches,
        seed=0,
        qr_every=lever.qr_every,
        dtype=lever.dtype,
    )


def measure(run: TrainingRun, probe: LSProbe) -> tuple[torch.Tensor, float]:
    start = time.process_time()
    spectrum = torch.tensor(probe.spectrum(run), dtype=torch.float64)
    return spectrum, time.process_time() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--networks", type=int, default=len(POOL), help=f"pool size, at most {len(POOL)}")
    parser.add_argument("--sparsity", type=float, default=0.67)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-batches", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--qr-every", type=int, nargs="+", default=[1, 2, 3, 4, 8])
    parser.add_argument("--steps", type=int, nargs="+", default=[35, 20])
    parser.add_argument("--batch", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--min-spearman", type=float, default=0.95)
    parser.add_argument(
        "--exact-steps", type=int, default=35, help="steps of the exact spectrum (reference: 35)"
    )
    parser.add_argument(
        "--exact-batch", type=int, default=2, help="sequences of the exact spectrum (reference: 2)"
    )
    parser.add_argument(
        "--batches",
        type=int,
        default=TrainConfig().ls_batches,
        help="evaluation batches averaged, for every lever (the search's train.ls_batches)",
    )
    args = parse_bench_args(parser, SMOKE, argv)
    torch.set_num_threads(args.threads)
    dense, runs = build_pool(args)
    cfg = dense.spec.train
    exact = Lever(torch.float64, 1, args.exact_steps, args.exact_batch)
    base = Lever(torch.float32, 1, args.exact_steps, args.exact_batch)
    # the protocol levers (fewer steps, fewer sequences) in float32; float64 at the full protocol
    combos = [
        Lever(torch.float32, q, s, b) for q, s, b in itertools.product(args.qr_every, args.steps, args.batch)
    ]
    combos += [Lever(torch.float64, q, args.exact_steps, args.exact_batch) for q in args.qr_every]
    levers = [exact, base] + [
        lever
        for lever in combos
        if lever.steps <= args.exact_steps and lever.batch <= args.exact_batch and lever not in (exact, base)
    ]
    networks = [dense, *runs]
    measure(dense, lever_probe(dense, exact, args.batches))  # warm-up: first calls pay for allocations
    print(
        f"# {len(runs)} differently pruned 2x{args.hidden} LSTMs at sparsity {args.sparsity} "
        f"({', '.join(sorted({m for m, _ in POOL[: args.networks]}))}), {args.epochs} epoch(s) of "
        f"{args.max_batches} batches, LS warm-up {cfg.ls_warmup}, {torch.get_num_threads()} thread(s), "
        f"CPU seconds of one spectrum (mean over the pool); {args.batches} evaluation batch(es) of "
        f"`batch` sequences; exact = float64, qr_every=1, steps={args.exact_steps}, batch={args.exact_batch}"
    )
    print(f"{'lever':<40} {'cpu_s':>8} {'vs_exact':>9} {'vs_f32_qr1':>11} {'max_err':>9} {'spearman':>9}")
    seconds_of, best, rows = {}, None, []
    for lever in levers:
        probe = lever_probe(dense, lever, args.batches)
        results = [measure(run, probe) for run in networks]
        spectra = [spectrum for spectrum, _ in results]
        seconds = seconds_of[lever] = statistics.mean(t for _, t in results)
        if lever == exact:
            exact_spectra = spectra
            exact_dist = [torch.linalg.vector_norm(s - spectra[0]).item() for s in spectra[1:]]
        dist = [torch.linalg.vector_norm(s - spectra[0]).item() for s in spectra[1:]]
        rho = float(spearmanr(dist, exact_dist).statistic)
        err = max((s - e).abs().max().item() for s, e in zip(spectra, exact_spectra, strict=True))
        print(
            f"{lever.label():<40} {seconds:>8.3f} {seconds_of[exact] / seconds:>8.2f}x "
            f"{seconds_of.get(base, seconds) / seconds:>10.2f}x {err:>9.2e} {rho:>9.3f}",
            flush=True,
        )
        rows.append({"dtype": str(lever.dtype)[6:], "qr_every": lever.qr_every, "steps": lever.steps,
                     "sequences": lever.batch, "cpu_s": seconds, "vs_exact": seconds_of[exact] / seconds,
                     "vs_float32_qr1": seconds_of.get(base, seconds) / seconds, "max_error": err,
                     "spearman": rho})
        if rho >= args.min_spearman and (best is None or seconds < seconds_of[best]):
            best = lever
    print(f"# fastest with Spearman >= {args.min_spearman}: {best.label() if best else 'none'}")
    write_result(args, rows, networks=len(runs), threads=torch.get_num_threads())


if __name__ == "__main__":
    main()
