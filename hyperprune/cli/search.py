"""``hyperprune search``: seed a pool, exclude the worse half round by round, train the finalists."""

from __future__ import annotations

import argparse

from hyperprune.cli.problem_flags import add_problem_flags
from hyperprune.search.options import SearchOptions

DEFAULTS = SearchOptions()


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("search", help="run a hyperpruning search (embedded local Ray by default)",
                       description="Search pruning strategies: seed a pool with a hyperparameter optimiser, "
                                   "rank candidates after a few epochs by LS distance or loss, keep the "
                                   "better half round by round, train the finalists fully.",
                       epilog="Exit status: 0 a winner was found, or every candidate diverged (result.json "
                              "status 'diverged'); 2 bad input, nothing started; 3 the search failed "
                              "(status 'failed', first_error in result.json).")
    p.add_argument("--hpo", default=DEFAULTS.hpo, help="pool seeding: tpe, atpe, random or optuna (default tpe)")
    p.add_argument("--max-evals", type=int, default=DEFAULTS.max_evals, help="candidates proposed (default 8)")
    p.add_argument("--metric", default=None, help="early ranking: ls (LS distance) or loss (default ls)")
    p.add_argument("--ls-distance", default=None,
                   help="LS distance: l2 (spectra at the rung, default) or trajectory (the reference "
                        "code's: epochs 0..rung projected on 2 principal components)")
    p.add_argument("--e0", type=int, default=None, help="epochs before the first ranking (default 2)")
    p.add_argument("--ei", type=int, default=None, help="epochs between rankings (default 1)")
    p.add_argument("--final-count", type=int, default=None, help="finalists (default 2)")
    p.add_argument("--final-epochs", type=int, default=None,
                   help="full training budget of the finalists (default 5; with --from-calibration its epochs)")
    p.add_argument("--from-calibration", default=None, metavar="DIR",
                   help="take --metric, --ls-distance, --e0, --ei and --final-count from a calibration's "
                        "recommendation")
    add_problem_flags(p, DEFAULTS, seed_help="master seed (default 0)")
    p.add_argument("--cpus-per-trial", type=float, default=DEFAULTS.cpus_per_trial)
    p.add_argument("--gpus-per-trial", type=float, default=DEFAULTS.gpus_per_trial,
                   help="GPUs per candidate; fractions pack several candidates on one GPU")
    p.add_argument("--storage", default=None,
                   help="Tune storage path for checkpoints (shared on a cluster, e.g. s3://bucket/dir)")
    p.add_argument("--cache-dir", default=None, help="dense-reference cache (default ~/.cache/hyperprune)")
    p.add_argument("--initial-pool", default=None,
                   help="a saved pool (search directory or pool.parquet): skip seeding, continue from it")
    p.add_argument("--max-failures", type=int, default=DEFAULTS.max_failures,
                   help="retries of a candidate whose worker died, from its last checkpoint")
    p.add_argument("--no-dashboard", dest="dashboard", action="store_false",
                   help="start the embedded Ray without its dashboard")
    p.add_argument("--reuse-actors", default=DEFAULTS.reuse_actors, choices=("auto", "yes", "no"),
                   help="reuse trial actors across pauses (auto: yes on the embedded Ray, no on a cluster)")
    p.add_argument("--no-report", dest="report", action="store_false", help="do not write the HTML report")
    p.add_argument("--ls-every-epoch", action="store_true",
                   help="measure the spectrum at every epoch (learning curves), not only where candidates are "
                        "ranked and at the end")
    p.add_argument("--quiet", action="store_true", help="print only the final result")
    p.set_defaults(handler=run)
    return p


SCHEDULE_FLAGS = {"metric": "--metric", "ls_distance": "--ls-distance", "e0": "--e0", "ei": "--ei",
                  "final_count": "--final-count"}


def schedule_from_calibration(path: str, given: dict) -> dict:
    """The recommended metric and schedule of a finished calibration (and its epochs as the budget);
    a flag given on the command line as well is a conflict."""
    from hyperprune.errors import UserError
    from hyperprune.search.calibrate import read_calibration

    cal = read_calibration(path)
    rec = cal.get("recommendation")
    if not rec:
        raise UserError(f"the calibration in {path} recommends no schedule ({cal.get('recommendation_note')}); "
                        "give --metric, --e0, --ei and --final-count yourself")
    clash = [flag for key, flag in SCHEDULE_FLAGS.items() if given.get(key) is not None]
    if clash:
        raise UserError(f"{clash[0]} conflicts with --from-calibration, which sets it; drop one of them")
    flags = {"metric": rec["metric"], "ls_distance": DEFAULTS.ls_distance,
             **((cal.get("search_flags") or {}).get(rec["metric"]) or {})}
    return {**flags, "e0": rec["e0"], "ei": rec["ei"], "final_count": rec["final_count"],
            "final_epochs": given.get("final_epochs") or cal["epochs"]}


def options_from_args(args: argparse.Namespace) -> SearchOptions:
    given = {k: getattr(args, k) for k in ("metric", "ls_distance", "e0", "ei", "final_count", "final_epochs")}
    if args.from_calibration:
        schedule = schedule_from_calibration(args.from_calibration, given)
    else:
        schedule = {k: getattr(DEFAULTS, k) if v is None else v for k, v in given.items()}
    return SearchOptions(
        hpo=args.hpo, max_evals=args.max_evals, **schedule, sparsity=args.sparsity,
        space=args.space, preset=args.preset, model=args.model, data=args.data, data_path=args.data_path,
        settings=tuple(args.settings), seed=args.seed, out=args.out, address=args.address,
        cpus_per_trial=args.cpus_per_trial, gpus_per_trial=args.gpus_per_trial, storage=args.storage,
        cache_dir=args.cache_dir, initial_pool=args.initial_pool, max_failures=args.max_failures,
        dashboard=args.dashboard, reuse_actors=args.reuse_actors, quiet=args.quiet,
        ls_every_epoch=args.ls_every_epoch,
    )


def run(args: argparse.Namespace) -> int:
    from hyperprune.search.driver import Search
    from hyperprune.search.outcome import exit_status

    search = Search.prepare(options_from_args(args))
    result = search.start()
    if args.report:
        from hyperprune.cli.report import write_report_if_available

        write_report_if_available(search.out)
    return exit_status(result)
