"""How much the noise floor varies with the draw of the second dense network, and what it costs.

The noise floor is the distance between the dense reference and a second dense network that
differs from it in its initial weights alone. One such network is one draw of a random quantity.
This bench trains the reference and ``--seeds`` second networks (the search's own init seeds,
draws 0..K-1, sharing the reference's data order) and prints, at every epoch and for both
ranking metrics (LS distance and |validation loss difference|):

* each draw, their mean, the sample standard deviation and the coefficient of variation;
* ``1 draw within 20%``: the share of single draws within 20% of the mean of all;
* for each K, the share of K-draw subsets whose mean is within 20% of the mean of all
  (every subset counted), the relative standard error of a K-draw mean (cv / sqrt(K), worst
  epoch) and the cost of K networks in seconds.

The recommended ``--noise-floor-seeds`` is the smallest K whose mean is within 20% of the mean of
all draws for at least 90% of the subsets, at every epoch, for the LS distance (the default
ranking metric).

Usage::

    python bench/noise_floor.py                 # tiny preset, 3 epochs, 8 second networks
    python bench/noise_floor.py --seeds 10 --epochs 4 --json floor.json
    python bench/noise_floor.py --smoke         # a few seconds: that the bench still runs
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time

import torch

from hyperprune.config import override, preset, spec_to_dict
from hyperprune.tune.dense_reference import noise_floor, noise_init_seed, train_dense

#: a single estimate is "close" when within this fraction of the mean of all draws
TOLERANCE = 0.20
#: share of K-draw subsets that must be close for K to be recommended
COVERAGE = 0.90
SMOKE = {
    "model.hidden_size": 16,
    "model.emb_size": 16,
    "train.max_batches": 4,
    "train.max_eval_batches": 2,
    "train.ls_steps": 12,
    "train.ls_warmup": 3,
}
METRICS = {"ls_distance": "LS distance", "val_loss_diff": "|val loss diff|"}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tiny")
    p.add_argument("--epochs", type=int, default=3, help="epochs of every network (default 3)")
    p.add_argument("--seeds", type=int, default=8, help="second dense networks (default 8)")
    p.add_argument("--seed", type=int, default=0, help="master seed (the reference)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument(
        "--smoke", action="store_true", help="a tiny model, 2 epochs, 3 draws: that the bench runs"
    )
    args = p.parse_args()
    if args.smoke:
        args.epochs, args.seeds = min(args.epochs, 2), min(args.seeds, 3)
    if args.seeds < 2:
        p.error("--seeds must be at least 2")
    return args


def _train(spec_dict: dict, seed: int, epochs: int, init_seed: int | None) -> tuple[dict, float]:
    started = time.perf_counter()
    record, _ = train_dense(spec_dict, seed, epochs, seed, None, True, init_seed=init_seed)
    return record, time.perf_counter() - started


def subset_coverage(values: list[float], k: int) -> float:
    """Share of the ``k``-draw subsets whose mean is within TOLERANCE of the mean of all draws."""
    target = statistics.mean(values)
    means = [statistics.mean(c) for c in itertools.combinations(values, k)]
    return sum(abs(m - target) <= TOLERANCE * abs(target) for m in means) / len(means)


def summarise(values: list[float]) -> dict:
    mean = statistics.mean(values)
    sd = statistics.stdev(values)
    return {
        "values": values,
        "mean": mean,
        "sd": sd,
        "cv": sd / mean if mean else float("nan"),
        "coverage": {k: subset_coverage(values, k) for k in range(1, len(values))},
    }


def recommended(figures: dict, seeds: int) -> int:
    """The smallest K close enough at every epoch for the LS distance (all draws when none is)."""
    rows = figures["ls_distance"].values()
    return next((k for k in range(1, seeds) if all(row["coverage"][k] >= COVERAGE for row in rows)), seeds)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    settings = {**(SMOKE if args.smoke else {}), **dict(s.split("=", 1) for s in args.settings)}
    spec = override(preset(args.preset), {"train.seed": args.seed, "train.threads": args.threads, **settings})
    spec_dict = spec_to_dict(spec)
    reference, ref_s = _train(spec_dict, args.seed, args.epochs, None)
    floors, seconds = [], []
    for draw in range(args.seeds):
        noise, took = _train(spec_dict, args.seed, args.epochs, noise_init_seed(args.seed, draw))
        floors.append(noise_floor(reference, noise))
        seconds.append(took)
    epochs = [int(e) for e in reference["epochs"]]
    figures = {
        metric: {epoch: summarise([f[metric][i] for f in floors]) for i, epoch in enumerate(epochs)}
        for metric in METRICS
    }
    per_network = statistics.mean(seconds)
    print(
        f"{args.preset} preset{' (smoke)' if args.smoke else ''}, master seed {args.seed}: the reference and "
        f"{args.seeds} second dense networks x {args.epochs} epochs; one network {per_network:.1f} s "
        f"(reference {ref_s:.1f} s), {args.threads} thread(s)"
    )
    for metric, label in METRICS.items():
        print(f"\n{label}")
        print("| epoch | draws | mean | sd | cv | 1 draw within 20% |")
        print("|---|---|---|---|---|---|")
        for epoch, row in figures[metric].items():
            draws = " ".join(f"{v:.3g}" for v in row["values"])
            print(
                f"| {epoch} | {draws} | {row['mean']:.3g} | {row['sd']:.3g} | {row['cv']:.2f} | "
                f"{row['coverage'][1]:.0%} |"
            )
    print(
        f"\nK-draw mean within 20% of the mean of {args.seeds} (share of subsets, worst epoch), and the cost"
    )
    print("| K | LS distance | |val loss diff| | LS rel. SE of the mean | seconds |")
    print("|---|---|---|---|---|")
    cv = max(row["cv"] for row in figures["ls_distance"].values())
    for k in range(1, args.seeds):
        worst = {m: min(row["coverage"][k] for row in figures[m].values()) for m in METRICS}
        print(
            f"| {k} | {worst['ls_distance']:.0%} | {worst['val_loss_diff']:.0%} | {cv / k**0.5:.2f} | "
            f"{k * per_network:.0f} |"
        )
    choice = recommended(figures, args.seeds)
    print(
        f"\nrecommended --noise-floor-seeds: {choice} (smallest K within 20% of the mean of {args.seeds} "
        f"in >= {COVERAGE:.0%} of subsets at every epoch, LS distance)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "preset": args.preset,
                    "seed": args.seed,
                    "epochs": epochs,
                    "seeds": args.seeds,
                    "seconds_per_network": per_network,
                    "recommended": choice,
                    "figures": {m: {str(e): row for e, row in rows.items()} for m, rows in figures.items()},
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
