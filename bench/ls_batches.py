"""How many fixed LS batches to average: the noise floor and the measurement noise against cost.

Trains, at the chosen preset, the dense reference (master seed), a second dense network that
differs from it only in its initial weights (the search's noise floor) and one DST candidate,
all sharing the data order. For each number of LS batches N it prints:

* ``floor``: LS distance between the two dense networks (what a different initialisation
  alone produces; the scale below which a search cannot tell candidates apart), mean over
  ``--sets`` sets of N batches;
* ``batch noise (dense)`` / ``batch noise (dst)``: LS distance between two measurements of the
  *same* network on two different sets of N batches (what the choice of evaluation text alone
  produces), mean over ``--sets`` / 2 disjoint pairs of sets; it should be well below the floor;
* ``time (s)``: one measurement of one network (median of 3).

Usage::

    python bench/ls_batches.py                     # tiny preset, 2 epochs, N = 1 2 4 8
    python bench/ls_batches.py --epochs 3 --batches 1 2 4 8 16
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hyperprune.config import override, preset
from hyperprune.figures.bench_output import parse_bench_args, write_result
from hyperprune.lyapunov import LSProbe, ls_distance
from hyperprune.training import TrainingRun
from hyperprune.tune.dense_reference import noise_init_seed

#: 1 epoch of 2 batches of 2x16 networks, 1 and 2 LS batches, 2 sets
SMOKE = ["--epochs", "1", "--batches", "1", "2", "--sets", "2", "--set", "model.hidden_size=16",
         "--set", "model.emb_size=16", "--set", "train.max_batches=2", "--set", "train.max_eval_batches=2"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tiny")
    p.add_argument("--epochs", type=int, default=2, help="training epochs before measuring (default 2)")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sets", type=int, default=4, help="independent sets of N batches per network (even)")
    return parse_bench_args(p, SMOKE, argv)


def _trained(spec, epochs: int, **kwargs) -> TrainingRun:
    run = TrainingRun(spec, total_epochs=epochs, **kwargs)
    for _ in range(epochs):
        run.train_epoch()
    return run


def _probe(run: TrainingRun, batches: int, seed: int) -> LSProbe:
    cfg = run.spec.train
    return LSProbe.build(run.data.valid, batch_size=cfg.ls_batch_size, steps=cfg.ls_steps, warmup=cfg.ls_warmup,
                         batches=batches, seed=seed, k=cfg.ls_k, device=run.device)


def _spectrum(run: TrainingRun, batches: int, seed: int) -> torch.Tensor:
    return torch.tensor(_probe(run, batches, seed).spectrum(run), dtype=torch.float64)


def _seconds(run: TrainingRun, batches: int, seed: int) -> float:
    probe = _probe(run, batches, seed)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        probe.spectrum(run)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = dict(s.split("=", 1) for s in args.settings)
    spec = override(preset(args.preset), {"train.seed": args.seed, "train.threads": args.threads, **settings})
    started = time.perf_counter()
    dense = _trained(spec, args.epochs, method="dense")
    other = _trained(spec, args.epochs, method="dense", init_seed=noise_init_seed(args.seed))
    dst = _trained(spec, args.epochs, method="dst", sparsity=0.67)
    print(f"trained 3 networks x {args.epochs} epochs at the {args.preset} preset in "
          f"{time.perf_counter() - started:.0f} s; spectra of {len(_spectrum(dense, 1, args.seed))} exponents; "
          f"{args.sets} sets of batches per network")
    print()
    print("| LS batches | floor | batch noise (dense) | batch noise (dst) | noise / floor | time (s) |")
    print("|---|---|---|---|---|---|")
    rows = []
    for n in args.batches:
        # set 0 is the search's own batches (the master seed); the others are independent sets
        seeds = [args.seed] + [args.seed + 1_000 * (i + 1) for i in range(args.sets - 1)]
        a = [_spectrum(dense, n, s) for s in seeds]
        b = [_spectrum(other, n, s) for s in seeds]
        d = [_spectrum(dst, n, s) for s in seeds]
        floor = statistics.mean(ls_distance(x, y) for x, y in zip(a, b, strict=True))
        pairs = list(zip(seeds[0::2], seeds[1::2], strict=True))
        noise_dense = statistics.mean(ls_distance(a[seeds.index(i)], a[seeds.index(j)]) for i, j in pairs)
        noise_dst = statistics.mean(ls_distance(d[seeds.index(i)], d[seeds.index(j)]) for i, j in pairs)
        seconds = _seconds(dense, n, args.seed)
        print(f"| {n} | {floor:.3f} | {noise_dense:.3f} | {noise_dst:.3f} | {noise_dense / floor:.2f} | "
              f"{seconds:.3f} |", flush=True)
        rows.append({"batches": n, "floor": floor, "noise_dense": noise_dense, "noise_dst": noise_dst,
                     "seconds": seconds})
    write_result(args, rows, epochs=args.epochs, preset=args.preset, sets=args.sets,
                 qr_every=spec.train.ls_qr_every, ls_dtype=spec.train.ls_dtype)


if __name__ == "__main__":
    main()
