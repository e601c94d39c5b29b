"""What each cheaper way of measuring the LS costs in ranking fidelity, and what it saves.

A pool of differently pruned networks (methods and sparsities spread out, each trained the
same number of epochs from the same start as the dense reference) is measured with the exact
spectrum (float64, a QR every step, the full evaluation batch) and with each lever: float32,
a QR only every ``qr_every`` steps, fewer accumulation steps, fewer sequences, and their
combinations. For each lever it prints the time of one spectrum (mean over the pool), the
speed-up against the exact setting and against the float32 every-step setting, the largest
exponent error, and the Spearman rank correlation of the pool's LS distances to the dense
reference against the exact ones. The last line names the fastest lever whose Spearman is at
least ``--min-spearman``.

Usage::

    python bench/ls_fidelity.py                           # 2x256 LSTM, 12 networks, tiny preset
    python bench/ls_fidelity.py --hidden 512 --networks 16 --epochs 2
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from dataclasses import dataclass

import torch
from scipy.stats import spearmanr

from hyperprune.config import override, preset
from hyperprune.lyapunov import language_model_spectrum
from hyperprune.search.spectrum_metric import eval_tokens
from hyperprune.training.run import TrainingRun

METHODS = ("random", "magsign", "snip")


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
        },
    )
    dense = TrainingRun(spec, total_epochs=args.epochs)
    runs = []
    sparsities = torch.linspace(args.low, args.high, args.networks).tolist()
    for i, sparsity in enumerate(sparsities):
        runs.append(
            TrainingRun(
                spec, method=METHODS[i % len(METHODS)], sparsity=round(sparsity, 3), total_epochs=args.epochs
            )
        )
    for run in [dense, *runs]:
        for _ in range(args.epochs):
            run.train_epoch()
        print(f"# trained {run.method_name:>8} sparsity {run.sparsity:.2f}", flush=True)
    return dense, runs


def measure(run: TrainingRun, tokens: torch.Tensor, lever: Lever, warmup: int) -> tuple[torch.Tensor, float]:
    window = tokens[: warmup + lever.steps, : lever.batch]
    start = time.perf_counter()
    with run.evaluation_weights():
        spectrum = language_model_spectrum(
            run.model, window, warmup=warmup, qr_every=lever.qr_every, dtype=lever.dtype
        )
    return spectrum.double(), time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--networks", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-batches", type=int, default=30)
    parser.add_argument("--low", type=float, default=0.6, help="lowest sparsity in the pool")
    parser.add_argument("--high", type=float, default=0.75, help="highest sparsity in the pool")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--qr-every", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--steps", type=int, nargs="+", default=[35, 20])
    parser.add_argument("--batch", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--min-spearman", type=float, default=0.95)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    dense, runs = build_pool(args)
    cfg = dense.spec.train
    tokens = eval_tokens(dense, seed=0)
    exact = Lever(torch.float64, 1, cfg.ls_steps, cfg.ls_batch_size)
    levers = [exact] + [
        Lever(dtype, q, s, b)
        for dtype, q, s, b in itertools.product(
            (torch.float32, torch.float64), args.qr_every, args.steps, args.batch
        )
        if s <= cfg.ls_steps and b <= cfg.ls_batch_size and Lever(dtype, q, s, b) != exact
    ]
    networks = [dense, *runs]
    measure(dense, tokens, exact, cfg.ls_warmup)  # warm-up: first calls pay for allocations
    rows = {}
    for lever in levers:
        results = [measure(run, tokens, lever, cfg.ls_warmup) for run in networks]
        rows[lever] = ([s for s, _ in results], statistics.mean(t for _, t in results))
    exact_spectra, exact_time = rows[exact]
    base_time = rows[Lever(torch.float32, 1, cfg.ls_steps, cfg.ls_batch_size)][1]
    exact_dist = [torch.linalg.vector_norm(s - exact_spectra[0]).item() for s in exact_spectra[1:]]
    print(
        f"# {len(runs)} pruned 2x{args.hidden} LSTMs ({', '.join(METHODS)}, sparsity {args.low}-{args.high}), "
        f"{args.epochs} epoch(s) of {args.max_batches} batches, warm-up {cfg.ls_warmup}, "
        f"{torch.get_num_threads()} thread(s); exact = float64, qr_every=1, steps={cfg.ls_steps}, "
        f"batch={cfg.ls_batch_size}"
    )
    print(f"{'lever':<40} {'time_s':>8} {'vs_exact':>9} {'vs_f32_qr1':>11} {'max_err':>9} {'spearman':>9}")
    best = None
    for lever in levers:
        spectra, seconds = rows[lever]
        dist = [torch.linalg.vector_norm(s - spectra[0]).item() for s in spectra[1:]]
        rho = float(spearmanr(dist, exact_dist).statistic)
        err = max((s - e).abs().max().item() for s, e in zip(spectra, exact_spectra, strict=True))
        print(
            f"{lever.label():<40} {seconds:>8.3f} {exact_time / seconds:>8.2f}x {base_time / seconds:>10.2f}x "
            f"{err:>9.2e} {rho:>9.3f}",
            flush=True,
        )
        if rho >= args.min_spearman and (best is None or seconds < rows[best][1]):
            best = lever
    print(f"# fastest with Spearman >= {args.min_spearman}: {best.label() if best else 'none'}")


if __name__ == "__main__":
    main()
