"""One search over several target sparsities against one search per level, side by side.

Runs, in one process and on one embedded Ray, the reference space on the tiny preset:

1. one front search at every level (``--levels``): one dense reference and noise floor for all
   levels, halving per level, one seeder learning across levels;
2. one search per level with the same options and master seed, each with its own dense-reference
   cache (so each trains its dense reference and noise floor, as separate searches would).

It prints per level the winner of each (validation and test figures, sparsity counted from the
weights) and the epochs each spent: candidates, dense reference and noise floor, the total, and
training every candidate fully. Wall seconds are printed too (the runs share one machine in
turn, so they compare with each other, not across machines).

    python bench/front.py                  # 4 levels, 8 candidates per level
    python bench/front.py --smoke          # 2 levels, 2 candidates, 2 batches, no noise floor
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

FULL = {
    "levels": "0.5,0.67,0.8,0.9",
    "max_evals": 8,
    "final_count": 1,
    "e0": 2,
    "ei": 1,
    "final_epochs": 6,
    "settings": [],
}
SMOKE = {
    "levels": "0.5,0.8",
    "max_evals": 2,
    "final_count": 1,
    "e0": 1,
    "ei": 1,
    "final_epochs": 2,
    "noise_floor": False,  # the smoke run checks the mechanics; the noise floor only adds time
    "settings": [
        "model.hidden_size=16",
        "model.emb_size=16",
        "train.max_batches=2",
        "train.max_eval_batches=1",
        "train.ls_steps=6",
        "train.ls_warmup=2",
    ],
}


def _search(out: Path, cache: Path, sparsity: str, plan: dict, seed: int, hpo: str) -> tuple[dict, float]:
    import hyperprune

    started = time.perf_counter()
    hyperprune.search(
        preset="tiny",
        space="reference",
        hpo=hpo,
        sparsity=sparsity,
        seed=seed,
        max_evals=plan["max_evals"],
        final_count=plan["final_count"],
        e0=plan["e0"],
        ei=plan["ei"],
        final_epochs=plan["final_epochs"],
        settings=plan["settings"],
        noise_floor=plan.get("noise_floor", True),
        out=str(out),
        cache_dir=str(cache),
        dashboard=False,
        quiet=True,
        report=False,
    )
    return json.loads((out / "result.json").read_text()), time.perf_counter() - started


def _figures(result: dict, level: str | None = None) -> dict:
    """A level's winner from a front search's result, or a one-level search's winner."""
    if level is not None:
        return result["front"]["by_level"][level]
    return result["winner"]


def _measured_sparsity(out: Path, candidate_id: str) -> float:
    """A one-level search's winner's sparsity at its last epoch, counted from its weights (the pool's)."""
    from hyperprune.searching.pool import read_pool

    row = next(r for r in read_pool(out) if r["candidate_id"] == candidate_id)
    return row["measured_sparsity"][-1] if row["measured_sparsity"] else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny version that runs well under a minute")
    parser.add_argument("--levels", help="target sparsities (default 0.5,0.67,0.8,0.9; smoke: 0.5,0.8)")
    parser.add_argument("--max-evals", type=int, help="candidates per level (default 8; smoke: 2)")
    parser.add_argument("--e0", type=int, help="first rung (default 2; smoke: 1)")
    parser.add_argument("--final-epochs", type=int, help="finalists' budget (default 6; smoke: 2)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a run setting for every search (train.max_batches=10), on top of the plan's",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hpo", default="tpe")
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the searches in DIR (default: a temporary folder)"
    )
    args = parser.parse_args()
    plan = dict(SMOKE if args.smoke else FULL)
    if args.levels:
        plan["levels"] = args.levels
    if args.max_evals:
        plan["max_evals"] = args.max_evals
    if args.e0:
        plan["e0"] = args.e0
    if args.final_epochs:
        plan["final_epochs"] = args.final_epochs
    plan["settings"] = [*plan["settings"], *args.set]
    import ray

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    # a Ray of its own even where other searches run one on the same machine
    ray.init(
        address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False
    )
    root = Path(args.keep or tempfile.mkdtemp(prefix="front-bench-"))
    levels = plan["levels"].split(",")
    print(
        f"reference space, tiny preset, {args.hpo}, seed {args.seed}: levels {plan['levels']}, "
        f"{plan['max_evals']} candidates and {plan['final_count']} finalist per level, e0 {plan['e0']}, "
        f"ei {plan['ei']}, {plan['final_epochs']} epochs, settings {plan['settings'] or 'the preset'}; "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    front, front_s = _search(root / "front", root / "cache-front", plan["levels"], plan, args.seed, args.hpo)
    singles = {}
    for level in levels:
        singles[level] = _search(
            root / f"level-{level}", root / f"cache-{level}", level, plan, args.seed, args.hpo
        )

    print("\n| level | search | winner | method | val ppl | test ppl | sparsity (counted) |")
    print("|---|---|---|---|---|---|---|")
    for level in levels:
        label = f"{float(level):g}"
        w = _figures(front, label)
        print(
            f"| {label} | front | {w['candidate_id']} | {w['method']} | {w['val_metric']:.1f} | "
            f"{w['test_metric']:.1f} | {w['measured_sparsity']:.3f} |"
        )
        s = _figures(singles[level][0])
        counted_text = f"{_measured_sparsity(root / f'level-{level}', s['candidate_id']):.3f}"
        print(
            f"| {label} | one level | {s['candidate_id']} | {s['method']} | {s['val_metric']:.1f} | "
            f"{s['test_metric']:.1f} | {counted_text} |"
        )

    epochs = front["front"]["epochs"]
    single_cand = sum(r["epochs_spent"] for r, _ in singles.values())
    single_dense = sum(r["epochs_dense_reference"] for r, _ in singles.values())
    single_s = sum(s for _, s in singles.values())
    print("\n| compute | candidates' epochs | dense reference + noise floor | total epochs | wall s |")
    print("|---|---|---|---|---|")
    print(
        f"| front search | {front['epochs_spent']} | {epochs['dense_reference']} | "
        f"{front['epochs_spent'] + epochs['dense_reference']} | {front_s:.0f} |"
    )
    print(
        f"| one search per level | {single_cand} | {single_dense} | {single_cand + single_dense} | {single_s:.0f} |"
    )
    print(f"| every candidate of the front's pool trained fully | | | {epochs['full_training']} | |")
    print(f"| every strategy proposed, fully at every level | | | {epochs['every_strategy_every_level']} | |")
    print(
        "\nfront search, per level: "
        + ", ".join(f"{k}: {v['spent']} of {v['full']} epochs" for k, v in epochs["per_level"].items())
    )
    print(f"non-dominated (val loss, kept parameters): {', '.join(front['front']['non_dominated'])}")
    print(f"searches in {root}; load {os.getloadavg()[0]:.2f}")
    ray.shutdown()


if __name__ == "__main__":
    main()
