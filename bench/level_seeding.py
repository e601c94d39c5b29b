"""How the seeder should learn across target sparsities, measured on a synthetic objective.

The reference space (DST: sparse init, death, redistribution, death rate) gets a synthetic
score per level: a level-dependent scale (sparser is worse, as LS distances and losses are)
times one plus a penalty that is mostly shared between levels (the best death criterion and
redistribution are the same everywhere; the best death rate moves a little with the level).
Each way of seeding proposes ``--per-level`` candidates at every level, one at a time, learning
each score before the next proposal; the figure is the regret at each level (best penalty
found; 0 is the optimum), averaged over levels and ``--seeds``:

* ``across (quantiles)``: one backend for all levels, levels in turn, scores told as quantiles
  within their level (what a search does, ``hyperprune.searching.searchers.across_levels``);
* ``across (raw scores)``: the same, scores told as they are;
* ``per level``: one backend per level, learning only from its own level;
* ``random (baseline)``: independent draws, what every model must beat.

The mean regret is shown with its standard error over the seeds.

    python bench/level_seeding.py --hpo tpe --seeds 10
"""

from __future__ import annotations

import argparse
import statistics

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.searchers.across_levels import AcrossLevels
from hyperprune.searching.space import load_space

LEVELS = (0.5, 0.67, 0.8, 0.9)
DEATH = {"magnitude": 0.0, "SET": 0.3, "threshold": 0.6, "global_magnitude": 0.15}
REDISTRIBUTION = {"magnitude": 0.2, "nonzeros": 0.0, "none": 0.4}
INIT = {"uniform": 0.1, "ER": 0.0}


def penalty(level: float, hparams: dict) -> float:
    best_rate = 0.5 + 0.4 * (level - 0.5)  # moves from 0.5 at level 0.5 to 0.66 at 0.9
    return (
        DEATH[hparams["death"]]
        + REDISTRIBUTION[hparams["redistribution"]]
        + INIT[hparams["sparse_init"]]
        + 2.0 * (hparams["death_rate"] - best_rate) ** 2
    )


def score(level: float, hparams: dict) -> float:
    return (1.0 + 4.0 * level**3) * (1.0 + penalty(level, hparams))


class RawScores(AcrossLevels):
    def tell(self, token, value: float) -> None:
        self.level_of.pop(token)
        self.backend.tell(token, value)


def across(hpo: str, seed: int, per_level: int, cls) -> dict[float, float]:
    space = load_space("reference")
    startup = max(2, per_level * len(LEVELS) // 4)
    backend = cls(SEARCHERS.get(hpo)(space, seed=seed, startup=startup), LEVELS)
    best = dict.fromkeys(LEVELS, float("inf"))
    for _ in range(per_level * len(LEVELS)):
        token, proposal = backend.ask()
        level = proposal["sparsity"]
        best[level] = min(best[level], penalty(level, proposal["hparams"]))
        backend.tell(token, score(level, proposal["hparams"]))
    return best


def per_level(hpo: str, seed: int, n: int) -> dict[float, float]:
    space = load_space("reference")
    best = {}
    for i, level in enumerate(LEVELS):
        backend = SEARCHERS.get(hpo)(space, seed=seed * 1000 + i, startup=max(2, n // 4))
        best[level] = float("inf")
        for _ in range(n):
            token, proposal = backend.ask()
            best[level] = min(best[level], penalty(level, proposal["hparams"]))
            backend.tell(token, score(level, proposal["hparams"]))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hpo", default="tpe")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--per-level", type=int, default=8, help="candidates proposed per level")
    parser.add_argument("--smoke", action="store_true", help="2 seeds, 4 candidates per level")
    args = parser.parse_args()
    seeds, n = (2, 4) if args.smoke else (args.seeds, args.per_level)
    ways = {
        "across (quantiles)": lambda s: across(args.hpo, s, n, AcrossLevels),
        "across (raw scores)": lambda s: across(args.hpo, s, n, RawScores),
        "per level": lambda s: per_level(args.hpo, s, n),
        "random (baseline)": lambda s: per_level("random", s, n),
    }
    print(
        f"{args.hpo}, {n} candidates per level at {', '.join(map(str, LEVELS))}, {seeds} seeds; "
        "regret = best penalty found (0 = optimum), lower is better"
    )
    print("| seeding | mean regret | " + " | ".join(f"at {level}" for level in LEVELS) + " |")
    print("|---|---|" + "---|" * len(LEVELS))
    for name, run in ways.items():
        results = [run(seed) for seed in range(seeds)]
        by_level = {level: statistics.mean(r[level] for r in results) for level in LEVELS}
        per_seed = [statistics.mean(r.values()) for r in results]
        error = statistics.stdev(per_seed) / len(per_seed) ** 0.5 if len(per_seed) > 1 else 0.0
        print(
            f"| {name} | {statistics.mean(by_level.values()):.3f} ± {error:.3f} | "
            + " | ".join(f"{by_level[level]:.3f}" for level in LEVELS)
            + " |",
            flush=True,
        )


if __name__ == "__main__":
    main()
