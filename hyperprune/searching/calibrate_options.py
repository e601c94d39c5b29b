"""The options of a calibration: the problem options it shares with a search, and its own.

A calibration trains a pool exactly as a search would (same space, searcher, model, data, seeds
and LS measurement) but excludes nobody: every candidate trains to ``epochs``. The options are
saved as ``calibrate.json`` so ``hyperprune resume DIR`` continues with the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from hyperprune.errors import UserError
from hyperprune.option_field import option, refined
from hyperprune.searching.options import SearchOptions
from hyperprune.searching.problem_options import ProblemOptions


@dataclass(frozen=True)
class CalibrateOptions(ProblemOptions):
    hpo: str = refined(ProblemOptions, "hpo", default="random")
    max_evals: int = refined(ProblemOptions, "max_evals", default=16,
                             help="candidates proposed; identical proposals are trained once")
    seed: int = refined(ProblemOptions, "seed", help="master seed; replicates use seed+1, ...")
    out: str = refined(ProblemOptions, "out", default="runs/calibration")
    quiet: bool = refined(ProblemOptions, "quiet", help="print only the tables at the end")
    e0: int = refined(ProblemOptions, "e0", help="first rung of the searches it calibrates: candidates reach "
                      "their target sparsity by it, and its checkpoints form the pool for a later --initial-pool")
    epochs: int = option(8, "training budget of every candidate; the ground truth is the figure after it")
    metrics: tuple[str, ...] = option((), "early signals to compare, comma-separated (see 'hyperprune signals')",
                                      names="hyperprune.signals.registry:signal_names",
                                      default_text="every signal the task has", metavar="A,B", unset=True)
    replicates: int = option(2, "master seeds per replicated candidate, 1 = no noise measurement")
    # one replicate seed is one more search (its own dense reference and start-up); candidates in it
    # share both, so more candidates per seed is the cheap way to more degrees of freedom
    replicate_count: int = option(8, "candidates retrained from the other seeds, drawn at random (seeded)")
    tolerance: float = option(0.01, "regret allowed, as a fraction of the best final figure")
    bootstrap: int = option(1000, "bootstrap resamples")

    def search_options(self, *, seed: int | None = None, out: str | None = None, pool_size: int | None = None,
                       metric: str = "ls") -> SearchOptions:
        """The options of the search that trains the pool (or a replicate of part of it): nobody
        is excluded, because every candidate is a finalist trained to ``epochs``; spectra are
        measured at every epoch, since every epoch is an early epoch to be judged."""
        size = pool_size or self.max_evals
        return SearchOptions(**{
            **self.problem(), "max_evals": size, "metric": metric, "ls_distance": "l2", "ei": 1,
            "final_count": size, "final_epochs": self.epochs, "seed": self.seed if seed is None else seed,
            "out": out or self.out, "ls_every_epoch": True})


def validate(opts: CalibrateOptions, known_metrics: list[str]) -> None:
    """The checks of a calibration's own options (the search's are checked by the search)."""
    if opts.epochs < 2:
        raise UserError(f"--epochs must be at least 2 (an early epoch and the final one), got {opts.epochs}")
    if opts.max_evals < 3:
        raise UserError(f"--max-evals must be at least 3 candidates to correlate, got {opts.max_evals}")
    if not 1 <= opts.e0 <= opts.epochs:
        raise UserError(f"--e0 must be between 1 and --epochs ({opts.epochs}), got {opts.e0}")
    for name in opts.metrics:
        if name not in known_metrics:
            raise UserError(f"unknown metric {name!r}; choose from: {', '.join(known_metrics)}")
    if opts.replicates < 1:
        raise UserError(f"--replicates must be at least 1 (1: no seed-noise measurement), got {opts.replicates}")
    if opts.replicate_count < 1:
        raise UserError(f"--replicate-count must be at least 1, got {opts.replicate_count}")
    if not 0.0 <= opts.tolerance < 1.0:
        raise UserError(f"--tolerance is a fraction of the best final figure in [0, 1), got {opts.tolerance}")
    if opts.bootstrap < 100:
        raise UserError(f"--bootstrap must be at least 100 resamples, got {opts.bootstrap}")
