"""Training epochs a search spends, against the reference schedule and full training of all.

For pools of N candidates it prints the epochs of this search's successive halving (survivors
continue from their checkpoints), of the reference system's schedule (each round retrains its
survivors from scratch for e0 + r*ei epochs, keeping floor(n/2)+1), and of training every
candidate fully. With ``--pool DIR`` it also counts the epochs a finished search really trained
(from its pool.parquet) next to the plan for that pool.

    python bench/search_cost.py --e0 3 --ei 3 --final-epochs 100        # the reference setting
    python bench/search_cost.py --pool runs/demo                        # check a real search
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hyperprune.figures.bench_output import parse_bench_args, write_result
from hyperprune.searching.halving import schedule

#: the table is arithmetic and instant; the smoke size is one small pool
SMOKE = ["--pools", "8"]


def reference_schedule(pool: int, e0: int, ei: int, final_count: int, final_epochs: int) -> int:
    """Epochs of the reference driver: keep floor(n/2)+1 per round and retrain the survivors from
    scratch for e0 + r*ei epochs (26 -> 14 -> 8 -> 5 -> 3 -> 2 at 3, 6, ..., 18 epochs), then train
    the last ones fully."""
    epochs, alive, budget = pool * e0, pool, e0
    while alive > final_count:
        alive = min(alive - 1, alive // 2 + 1) if alive > final_count + 1 else final_count
        budget += ei
        epochs += alive * budget
    return epochs + alive * final_epochs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", default="8,16,26,40", help="pool sizes to tabulate")
    parser.add_argument("--e0", type=int, default=3)
    parser.add_argument("--ei", type=int, default=3)
    parser.add_argument("--final-count", type=int, default=2)
    parser.add_argument("--final-epochs", type=int, default=100)
    parser.add_argument("--pool", help="a finished search directory to count")
    args = parse_bench_args(parser, SMOKE, argv)
    rows = []

    print(f"e0={args.e0} ei={args.ei} final_count={args.final_count} final_epochs={args.final_epochs}")
    header = f"{'pool':>5} {'rounds':>7} {'this search':>12} {'reference':>10} {'full':>7} {'vs ref':>7} {'vs full':>8}"
    print(header)
    print("-" * len(header))
    for n in (int(x) for x in args.pools.split(",")):
        plan = schedule(n, args.e0, args.ei, args.final_count, args.final_epochs)
        ref = reference_schedule(n, args.e0, args.ei, args.final_count, args.final_epochs)
        print(f"{n:>5} {len(plan['rounds']):>7} {plan['epochs']:>12} {ref:>10} {plan['full']:>7} "
              f"{plan['epochs'] / ref:>7.2f} {plan['epochs'] / plan['full']:>8.2f}")
        rows.append({"pool": n, "rounds": len(plan["rounds"]), "this_search": plan["epochs"],
                     "reference": ref, "full": plan["full"]})
    write_result(args, rows, e0=args.e0, ei=args.ei, final_count=args.final_count,
                 final_epochs=args.final_epochs)

    if args.pool:
        from hyperprune.searching.pool import read_pool

        rows = read_pool(args.pool)
        opts = json.loads((Path(args.pool) / "search.json").read_text())["options"]
        plan = schedule(len(rows), opts["e0"], opts["ei"], opts["final_count"], opts["final_epochs"])
        trained = sum(r["epochs_trained"] for r in rows)
        print(f"\n{args.pool}: {len(rows)} candidates; epochs trained {trained}, planned {plan['epochs']}, "
              f"retrain-from-scratch schedule {plan['from_scratch']}, full training {plan['full']}")


if __name__ == "__main__":
    main()
