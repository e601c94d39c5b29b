"""Does a preset converge on this machine, fast enough, while its candidates still differ?

Measures, for one preset (default ``bench``) and its epoch budget E:

* the dense reference's validation perplexity at every epoch, its improvement over the last 3
  epochs at E (the preset converges when it is under 1%), and the wall and CPU seconds of each
  epoch (training, evaluation and the Lyapunov spectrum a calibration measures every epoch;
  CPU seconds from ``time.process_time`` with one torch thread, which a loaded machine distorts
  less than wall time);
* per sparsity level, a few candidates of different methods, each trained from 2 master seeds:
  the pool's spread of final perplexity (sd over candidates of their seed means) against the seed
  noise (pooled sd within a candidate), and their ratio;
* the projected wall time of a calibration of ``--pool`` candidates plus ``--replicated`` x
  ``--seeds`` retrained ones and the dense reference, on ``--workers`` parallel workers, from
  the measured CPU seconds per epoch.

Every run goes through :class:`~hyperprune.training.run.TrainingRun` with the LS probe a
calibration attaches (:func:`hyperprune.training.candidate_record.train_candidate`), in a pool of
``--workers`` processes.

Usage::

    python bench/preset_study.py                      # the bench preset, 2 workers
    python bench/preset_study.py --sparsity 0.67,0.9 --epochs 14 --set train.nonmono=2
    python bench/preset_study.py --smoke              # a few seconds: tiny sizes, 2 epochs
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

# (method, hparams): candidates of different families, each valid at every sparsity level
CANDIDATES = (
    (
        "dst",
        {
            "sparse_init": "ER",
            "death": "magnitude",
            "growth": "random",
            "redistribution": "none",
            "death_rate": 0.5,
        },
    ),
    ("snip", {"structure": "unstructured"}),
    (
        "dst",
        {
            "sparse_init": "uniform",
            "death": "SET",
            "growth": "random",
            "redistribution": "nonzeros",
            "death_rate": 0.8,
        },
    ),
    ("random", {}),
)
SMOKE_SETTINGS = {
    "model.hidden_size": 16,
    "model.emb_size": 16,
    "train.max_batches": 3,
    "train.max_eval_batches": 2,
    "train.ls_steps": 8,
    "train.ls_warmup": 2,
    "train.ls_batches": 1,
}


def _spec(preset_name: str, settings: dict, epochs: int | None):
    from hyperprune.config import override, preset

    spec = override(preset(preset_name), {**settings, "train.threads": 1})
    return override(spec, {"train.epochs": epochs}) if epochs else spec


def _train(job: tuple) -> dict:
    """One run to the budget: per-epoch validation perplexity, wall and CPU seconds."""
    from hyperprune.training.candidate_record import train_candidate

    spec, method, sparsity, hparams, seed, device = job
    wall, cpu = time.perf_counter(), time.process_time()
    record = train_candidate(
        spec,
        method=method,
        sparsity=sparsity,
        hparams=hparams,
        seed=seed,
        device=device,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "method": method,
        "sparsity": sparsity,
        "hparams": hparams,
        "seed": seed,
        "val_ppl": record["val_metric"],
        "wall_s": wall,
        "cpu_s": cpu,
        "epoch_wall_s": record["wall_s"],
        "epoch_cpu_s": record["cpu_s"],
        "epochs": len(record["epochs"]),
    }


def last_improvement(curve: list[float], window: int = 3) -> float | None:
    """Relative improvement of the last value over the one ``window`` epochs before it."""
    if len(curve) <= window or not all(math.isfinite(v) for v in curve[-window - 1 :]):
        return None
    before, last = curve[-window - 1], curve[-1]
    return (before - last) / before


def noise_and_spread(runs: list[dict]) -> dict:
    """Pool spread (sd of the candidates' seed means) and seed noise (pooled within-candidate sd)."""
    groups: dict[str, list[float]] = {}
    for r in runs:
        final = r["val_ppl"][-1] if r["val_ppl"] else math.nan
        if math.isfinite(final):
            groups.setdefault(f"{r['method']} {sorted(r['hparams'].items())}", []).append(final)
    means = [statistics.fmean(v) for v in groups.values()]
    within = [(v, len(v) - 1) for v in groups.values() if len(v) >= 2]
    dof = sum(d for _, d in within)
    seed_sd = math.sqrt(sum(statistics.variance(v) * d for v, d in within) / dof) if dof else math.nan
    spread = statistics.stdev(means) if len(means) >= 2 else math.nan
    return {
        "candidates": len(groups),
        "pool_sd": spread,
        "seed_sd": seed_sd,
        "ratio": spread / seed_sd if seed_sd and math.isfinite(seed_sd) and seed_sd > 0 else math.inf,
        "finals": {k: v for k, v in groups.items()},
    }


def projected_minutes(
    cpu_epoch_s: float, epochs: int, pool: int, replicated: int, seeds: int, workers: int
) -> float:
    """Wall minutes of a calibration (pool + replicates + dense reference) on ``workers`` workers."""
    runs = pool + replicated * seeds + 1
    return runs * epochs * cpu_epoch_s / workers / 60.0


def _fmt(v, digits=3) -> str:
    return f"{v:.{digits}g}" if isinstance(v, (int, float)) and math.isfinite(v) else "-"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="bench")
    p.add_argument("--epochs", type=int, default=None, help="budget E (default: the preset's)")
    p.add_argument("--sparsity", default="0.67,0.9", help="comma-separated sparsity levels")
    p.add_argument("--seeds", type=int, default=2, help="master seeds per candidate")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pool", type=int, default=24, help="calibration pool size for the projection")
    p.add_argument("--replicated", type=int, default=4, help="replicated candidates for the projection")
    p.add_argument("--candidates", type=int, default=len(CANDIDATES), help="study candidates per level")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--json", default=None, help="also write every run's figures to this JSON file")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, 2 epochs, one sparsity level")
    args = p.parse_args(argv)
    from hyperprune.config import parse_settings
    from hyperprune.errors import UserError

    try:
        settings = dict(parse_settings(args.settings))
        levels = [float(x) for x in args.sparsity.split(",") if x.strip()]
        if args.smoke:
            settings, levels, args.epochs, args.candidates = {**SMOKE_SETTINGS, **settings}, levels[:1], 2, 2
        spec = _spec(args.preset, settings, args.epochs)
    except (UserError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    epochs = spec.train.epochs
    jobs = [(spec, "dense", 0.0, {}, 0, args.device)]
    for level in levels:
        for method, hparams in CANDIDATES[: args.candidates]:
            jobs += [(spec, method, level, hparams, seed, args.device) for seed in range(args.seeds)]
    started = time.perf_counter()
    runs: list = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {pool.submit(_train, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            runs[futures[future]] = future.result()
            if args.json:  # what has finished so far, in case the study is stopped early
                _write(args.json, spec, settings, [r for r in runs if r is not None])
    dense = runs[0]
    print(
        f"preset {args.preset}, E = {epochs}: {len(runs)} runs on {args.workers} workers in "
        f"{time.perf_counter() - started:.0f} s wall; settings {settings or 'as the preset'}"
    )
    print("\ndense reference: epoch, validation perplexity, wall s, CPU s")
    for i, ppl in enumerate(dense["val_ppl"]):
        print(f"  {i + 1:3d}  {ppl:9.2f}  {dense['epoch_wall_s'][i]:6.2f}  {dense['epoch_cpu_s'][i]:6.2f}")
    gain = last_improvement(dense["val_ppl"])
    print(
        f"dense improvement over the last 3 epochs at E: {_fmt(100 * gain if gain is not None else None)}% "
        f"({'converged' if gain is not None and gain < 0.01 else 'NOT converged'} by the 1% rule)"
    )
    cpu_epoch = statistics.fmean(s for r in runs for s in r["epoch_cpu_s"])
    wall_epoch = statistics.fmean(s for r in runs for s in r["epoch_wall_s"])
    print(
        f"\nseconds per epoch over all runs (training + evaluation + LS): CPU {cpu_epoch:.2f}, wall {wall_epoch:.2f}"
    )
    for label, per_epoch in (("CPU", cpu_epoch), ("wall", wall_epoch)):
        minutes = projected_minutes(per_epoch, epochs, args.pool, args.replicated, args.seeds, args.workers)
        print(
            f"projected calibration ({args.pool} candidates + {args.replicated} x {args.seeds} replicate runs + "
            f"dense, {epochs} epochs, {args.workers} workers) from {label} s/epoch: {minutes:.1f} min"
        )
    print("\nseed noise vs pool spread of the final validation perplexity:")
    for level in levels if len(runs) > 1 else []:
        stats = noise_and_spread([r for r in runs[1:] if r["sparsity"] == level])
        print(
            f"  sparsity {level}: {stats['candidates']} candidates x {args.seeds} seeds; pool sd "
            f"{_fmt(stats['pool_sd'])}, seed sd {_fmt(stats['seed_sd'])}, ratio {_fmt(stats['ratio'])}"
        )
        for name, finals in stats["finals"].items():
            print(f"    {name}: {', '.join(f'{v:.2f}' for v in finals)}")
    return 0


def _write(path: str, spec, settings: dict, runs: list[dict]) -> None:
    from hyperprune.config import spec_to_dict
    from hyperprune.files import write_json

    write_json(path, {"spec": spec_to_dict(spec), "settings": settings, "runs": runs})


if __name__ == "__main__":
    sys.exit(main())
