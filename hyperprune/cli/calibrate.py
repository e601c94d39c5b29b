"""``hyperprune calibrate``: does the early signal predict the final result on this problem?

Trains every candidate of a pool to ``--epochs`` exactly as a search measures it (nobody is
excluded), retrains some from other seeds to measure the noise of the final figure, and writes
``calibration.json`` (correlations with intervals, the regret and compute of every halving
schedule of a grid replayed offline, the noise ceiling, a recommendation), ``pool.parquet`` and
``report/index.html``.

Example::

    hyperprune calibrate --space reference --max-evals 24 --epochs 8 --out runs/cal
    hyperprune search --from-calibration runs/cal --initial-pool runs/cal --out runs/search
"""

from __future__ import annotations

import argparse

from hyperprune.cli.problem_flags import add_problem_flags
from hyperprune.search.calibrate_options import CalibrateOptions

DEFAULTS = CalibrateOptions()


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("calibrate", help="measure whether the early metric predicts the final result",
                       description="Train a pool to the full budget without exclusion, measure how well each "
                                   "early metric at each epoch predicts the final validation figure (with "
                                   "bootstrap intervals and the seed-noise ceiling), replay halving schedules "
                                   "offline and recommend the cheapest whose pick stays within --tolerance.")
    p.add_argument("--hpo", default=DEFAULTS.hpo, help="pool seeding: random, tpe, atpe or optuna (default random)")
    p.add_argument("--max-evals", type=int, default=DEFAULTS.max_evals,
                   help="candidates proposed; identical proposals are trained once (default 16)")
    p.add_argument("--epochs", type=int, default=DEFAULTS.epochs,
                   help="training budget of every candidate; the ground truth is the figure after it (default 8)")
    p.add_argument("--e0", type=int, default=DEFAULTS.e0,
                   help="first rung of the searches it calibrates: candidates reach their target sparsity by "
                        "it, and its checkpoints form the pool for a later --initial-pool (default 2)")
    p.add_argument("--metrics", default=None,
                   help="early metrics to judge, comma-separated: ls (L2 LS distance), ls-trajectory, loss "
                        "(default: all the task has)")
    p.add_argument("--replicates", type=int, default=DEFAULTS.replicates,
                   help="master seeds per replicated candidate, 1 = no noise measurement (default 2)")
    p.add_argument("--replicate-count", type=int, default=DEFAULTS.replicate_count,
                   help="candidates retrained from the other seeds, spread over the ranking (default 4)")
    p.add_argument("--tolerance", type=float, default=DEFAULTS.tolerance,
                   help="regret allowed, as a fraction of the best final figure (default 0.01)")
    p.add_argument("--bootstrap", type=int, default=DEFAULTS.bootstrap, help="bootstrap resamples (default 1000)")
    add_problem_flags(p, DEFAULTS, seed_help="master seed; replicates use seed+1, ... (default 0)")
    p.add_argument("--cpus-per-trial", type=float, default=DEFAULTS.cpus_per_trial)
    p.add_argument("--gpus-per-trial", type=float, default=DEFAULTS.gpus_per_trial)
    p.add_argument("--cache-dir", default=None, help="dense-reference cache (default ~/.cache/hyperprune)")
    p.add_argument("--max-failures", type=int, default=DEFAULTS.max_failures,
                   help="retries of a candidate whose worker died, from its last checkpoint")
    p.add_argument("--no-dashboard", dest="dashboard", action="store_false",
                   help="start the embedded Ray without its dashboard")
    p.add_argument("--reuse-actors", default=DEFAULTS.reuse_actors, choices=("auto", "yes", "no"))
    p.add_argument("--no-report", dest="report", action="store_false", help="do not write the HTML report")
    p.add_argument("--quiet", action="store_true", help="print only the tables at the end")
    p.set_defaults(handler=run)
    return p


def options_from_args(args: argparse.Namespace) -> CalibrateOptions:
    metrics = tuple(m.strip() for m in (args.metrics or "").split(",") if m.strip())
    return CalibrateOptions(
        hpo=args.hpo, max_evals=args.max_evals, epochs=args.epochs, e0=args.e0, metrics=metrics,
        replicates=args.replicates, replicate_count=args.replicate_count, tolerance=args.tolerance,
        bootstrap=args.bootstrap, sparsity=args.sparsity, space=args.space, preset=args.preset,
        model=args.model, data=args.data, data_path=args.data_path, settings=tuple(args.settings),
        seed=args.seed, out=args.out, address=args.address, cpus_per_trial=args.cpus_per_trial,
        gpus_per_trial=args.gpus_per_trial, cache_dir=args.cache_dir, max_failures=args.max_failures,
        dashboard=args.dashboard, reuse_actors=args.reuse_actors, quiet=args.quiet,
    )


def finish(calibration, result: dict, report: bool = True) -> None:
    """Write the report and print the tables and the recommendation."""
    from hyperprune.calibration.summary import render

    if report:
        from hyperprune.cli.report import write_report_if_available

        write_report_if_available(calibration.out)
    print(render(result), flush=True)
    print(f"results in {calibration.out}/calibration.json", flush=True)


def run(args: argparse.Namespace) -> int:
    from hyperprune.search.calibrate import Calibration

    calibration = Calibration.prepare(options_from_args(args))
    finish(calibration, calibration.start(), report=args.report)
    return 0
