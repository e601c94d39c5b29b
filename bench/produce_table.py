"""Train a calibration pool without Ray and write its benchmark table (one Parquet file).

The same candidates as ``hyperprune calibrate`` with its default random searcher (the same
proposals, ids and master seeds: :func:`hyperprune.searching.proposals.random_pool`), trained by
the same code (:func:`hyperprune.training.candidate_record.train_candidate`: the search's
:class:`~hyperprune.training.run.TrainingRun`, the space narrowed for the first rung ``--e0`` as a search narrows it, LS probe seeded
with the master seed) in a pool of ``--workers`` local processes, one torch thread each. Then,
as the calibration does, ``--replicate-count`` candidates spread over the final ranking are
retrained from master seeds ``seed+1 .. seed+replicates-1``, each seed with its own dense
reference. Needs torch, numpy, pyarrow and pyyaml; not Ray, hyperopt or Optuna.

Usage::

    python bench/produce_table.py --space reference --preset bench --max-evals 26 --replicates 2 \\
        --replicate-count 4 --workers 16 --out bench/tables/reference.parquet
    python bench/produce_table.py --smoke --out /tmp/table.parquet      # seconds: tiny sizes
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

SMOKE_SETTINGS = (
    "model.hidden_size=16",
    "model.emb_size=16",
    "train.max_batches=3",
    "train.max_eval_batches=2",
    "train.ls_steps=8",
    "train.ls_warmup=2",
    "train.ls_batches=1",
)


def _run_key(job: dict) -> str:
    """A run's identity: what it trains, from which seed, under which settings (not the table's space)."""
    from hyperprune.config import spec_hash, stable_hash

    what = {k: job[k] for k in ("method", "sparsity", "hparams", "seed", "device")}
    return stable_hash({**what, "spec": spec_hash(job["spec"])}, length=20)


def _run_file(runs_dir: Path, job: dict) -> Path:
    return runs_dir / f"{_run_key(job)}.pkl"


def _stored(runs_dir: Path | None, job: dict) -> dict | None:
    if runs_dir is None or not _run_file(runs_dir, job).is_file():
        return None
    return {**job, "record": pickle.loads(_run_file(runs_dir, job).read_bytes())}


def _store(runs_dir: Path | None, result: dict) -> None:
    if runs_dir is not None:
        from hyperprune.files import write_bytes

        write_bytes(_run_file(runs_dir, result), pickle.dumps(result["record"]))


def _run_all(jobs: list[dict], workers: int, log, runs_dir: Path | None = None) -> list[dict]:
    """Every job's result, in the jobs' order. With ``runs_dir``, a run finished before (by this
    table or another of the same settings, e.g. the dense reference) is read back, not retrained,
    and each run is stored as soon as it finishes, so a killed producer loses no finished run."""
    from hyperprune.training.candidate_record import train_job as _train

    done: dict[int, dict] = {}
    for i, job in enumerate(jobs):
        found = _stored(runs_dir, job)
        if found is not None:
            done[i] = found
            log(f"  {job['role']} {job['candidate_id']} seed {job['seed']} read back")
    todo = [i for i in range(len(jobs)) if i not in done]

    def finished(i: int, result: dict) -> None:
        _store(runs_dir, result)
        done[i] = result
        log(f"  {result['role']} {result['candidate_id']} seed {result['seed']} done")

    if workers <= 1:
        for i in todo:
            finished(i, _train(jobs[i]))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_train, jobs[i]): i for i in todo}
            for future in as_completed(futures):
                finished(futures[future], future.result())
    return [done[i] for i in range(len(jobs))]


def produce(
    *,
    space: str,
    preset: str,
    settings: list[str],
    epochs: int | None,
    max_evals: int,
    seed: int,
    sparsity: float | None,
    e0: int,
    replicates: int,
    replicate_count: int,
    workers: int,
    device: str = "cpu",
    log=lambda text: None,
    runs_dir: Path | None = None,
) -> tuple[list[dict], dict]:
    """Train the pool, its replicates and the dense references; ``(rows, meta)`` of the table."""
    from hyperprune.calibration.noise import pick_random
    from hyperprune.calibration.table import make_row, table_meta
    from hyperprune.config import override, parse_settings, spec_to_dict
    from hyperprune.config import preset as preset_spec
    from hyperprune.models import task_of
    from hyperprune.searching.proposals import random_pool
    from hyperprune.training.candidate_record import ls_distances

    spec = override(preset_spec(preset), dict(parse_settings(settings)))
    if epochs is not None:
        spec = override(spec, {"train.epochs": epochs})
    spec = override(spec, {"train.threads": 1})
    budget = spec.train.epochs
    lower = task_of(spec.model).lower_is_better
    pool = random_pool(space, spec, sparsity=sparsity, seed=seed, max_evals=max_evals, e0=e0, log=log)
    if not pool:
        raise ValueError("the space proposed no candidate")
    seeds = [seed + r for r in range(replicates)]

    def job(role, cand, s):
        return {
            "role": role,
            "candidate_id": cand["candidate_id"],
            "method": cand["method"],
            "sparsity": cand["sparsity"],
            "hparams": cand["hparams"],
            "seed": s,
            "spec": spec,
            "device": device,
        }

    dense_cand = {"candidate_id": "dense", "method": "dense", "sparsity": 0.0, "hparams": {}}
    log(
        f"{len(pool)} candidates of {space} at sparsity {pool[0]['sparsity']}, {budget} epochs, "
        f"seeds {seeds}, {workers} workers"
    )
    first = [job("dense", dense_cand, s) for s in seeds] + [job("candidate", c, seed) for c in pool]
    done = _run_all(first, workers, log, runs_dir)
    finals = {
        d["candidate_id"]: d["record"]["val_metric"][-1]
        for d in done
        if d["role"] == "candidate" and not d["record"]["diverged"]
    }
    ids = [c["candidate_id"] for c in pool]
    ranked = [finals.get(cid, math.nan) if lower else -finals.get(cid, math.nan) for cid in ids]
    chosen = pick_random(ids, ranked, replicate_count, seed) if replicates > 1 else []
    by_id = {c["candidate_id"]: c for c in pool}
    if chosen:
        log(f"retraining {len(chosen)} candidates from seeds {seeds[1:]}")
        done += _run_all([job("replicate", by_id[cid], s) for s in seeds[1:] for cid in chosen], workers, log, runs_dir)
    dense = {d["seed"]: d["record"] for d in done if d["role"] == "dense"}
    rows = []
    for d in done:
        distances = {v: ls_distances(d["record"], dense[d["seed"]], v) for v in ("l2", "trajectory")}
        if d["role"] == "dense":
            distances = {}
        rows.append(
            make_row(
                d["role"],
                candidate_id=d["candidate_id"],
                method=d["method"],
                sparsity=d["sparsity"],
                hparams=d["hparams"],
                seed=d["seed"],
                record=d["record"],
                distances=distances,
            )
        )
    meta = table_meta(
        spec_dict=spec_to_dict(spec),
        space=space,
        sparsity=pool[0]["sparsity"],
        epochs=budget,
        e0=e0,
        seeds=seeds,
        lower_is_better=lower,
        producer="bench/produce_table.py",
        dense_curve=dense[seed]["val_metric"],
        preset=preset,
        settings=list(settings),
        max_evals=max_evals,
        replicate_ids=chosen,
    )
    return rows, meta


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--space", default="reference")
    p.add_argument("--preset", default="bench")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--epochs", type=int, default=None, help="budget E (default: the preset's)")
    p.add_argument("--max-evals", type=int, default=24)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sparsity", type=float, default=None, help="default: the space's, else 0.67")
    p.add_argument("--e0", type=int, default=2, help="first rung, as hyperprune calibrate --e0")
    p.add_argument("--replicates", type=int, default=2, help="master seeds per replicated candidate")
    p.add_argument("--replicate-count", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", help="the table file to write (.parquet); with --smoke, a temporary file by default")
    p.add_argument(
        "--runs-dir",
        type=Path,
        help="keep each finished run here and read back the runs already there (resume; shared dense runs)",
    )
    p.add_argument("--smoke", action="store_true", help="tiny sizes: 3 candidates, 2 epochs")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    from hyperprune.calibration.table import write_table
    from hyperprune.errors import UserError

    if args.smoke:
        args.settings = list(SMOKE_SETTINGS) + args.settings
        args.epochs, args.max_evals, args.replicate_count = args.epochs or 2, 3, 2
        args.preset = "tiny" if args.preset == "bench" else args.preset
    if (
        args.max_evals < 3
        or args.replicates < 1
        or args.replicate_count < 1
        or args.workers < 1
        or args.e0 < 1
    ):
        print(
            "error: --max-evals >= 3, --replicates, --replicate-count, --workers and --e0 >= 1",
            file=sys.stderr,
        )
        return 2
    if args.out is None and args.smoke:
        import tempfile

        args.out = str(Path(tempfile.mkdtemp(prefix="produce-table-smoke-")) / "smoke.parquet")
    if args.out is None:
        print("error: --out FILE.parquet is required (the table file to write)", file=sys.stderr)
        return 2
    if Path(args.out).suffix != ".parquet":
        print(f"error: --out must name a .parquet file, got {args.out!r}", file=sys.stderr)
        return 2
    log = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))
    started = time.perf_counter()
    try:
        rows, meta = produce(
            space=args.space,
            preset=args.preset,
            settings=args.settings,
            epochs=args.epochs,
            max_evals=args.max_evals,
            seed=args.seed,
            sparsity=args.sparsity,
            e0=args.e0,
            replicates=args.replicates,
            replicate_count=args.replicate_count,
            workers=args.workers,
            device=args.device,
            log=log,
            runs_dir=args.runs_dir,
        )
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta["wall_s"] = round(time.perf_counter() - started, 1)
    write_table(args.out, rows, meta)
    gain = meta["dense"]["improvement_last_3"]
    log(
        f"wrote {args.out}: {len(rows)} runs in {meta['wall_s']} s; dense improvement over the last 3 epochs "
        f"{'-' if gain is None else f'{gain:.2%}'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
