"""Where a search's wall time goes: the demo search, timed and taken apart.

Runs ``hyperprune search`` (by default the demo: ``--hpo tpe`` on the tiny preset) in a fresh
output directory with an empty dense-reference cache, stamps every line the search prints, and
reads the Tune results of every candidate-epoch afterwards. It prints:

* ``wall``: the whole command, process start to exit;
* ``ideal``: the candidate-epochs' work (the sum of Tune's ``time_this_iter_s``, plus the
  checkpoint seconds where the pool records them) divided by the candidates that run at once,
  plus the dense reference (its own training seconds where ``dense_reference.json`` records
  them, since it trains beside the candidates; else the phase before seeding, when it trained
  first);
* ``all-work ideal``: every piece of work (candidates, dense reference and noise floor) divided
  by the workers, the bound for a search whose dense runs share the workers with the candidates;
* ``wall/ideal`` and the split: start-up (interpreter, Ray), dense reference, candidate work per
  worker, idle worker time between the first and the last candidate-epoch (rung waits, pausing,
  resuming, Ray's scheduling), and the finish (pool, result, report); where the code records
  them, the work is split further into training, evaluation, LS and checkpoints;
* ``driver CPU``: the CPU seconds of the search process itself (read from ``/proc``), the part
  of the machine's CPU that Ray's workers (at nice 15) do not get;
* ``CPU of the search's processes``: the machine's busy CPU seconds while the search ran (every
  core, every process) less those of processes that are not the search's, split by kind
  (candidate workers, dense runs, the search process, its actors, Ray's own processes); and the
  ``CPU floor``: those seconds divided by the cores, the least wall time in which this machine
  can do that work, whatever the schedule. ``CPU floor / ideal`` is the lowest wall / ideal
  that removing every wait could reach; only doing less work lowers it.

With ``--code DIR ...`` it runs the same search once with each source tree on ``PYTHONPATH``
(alternately, on one machine, each with its own empty cache), so versions compare side by side;
a tree named twice runs twice (``--code OLD NEW OLD NEW`` alternates them against the machine's
drift), and the end compares each version's mean wall and wall/ideal over its runs.

Usage::

    python bench/search_overhead.py                          # the demo, the code in this checkout
    python bench/search_overhead.py --code /tmp/old . -- --max-evals 4 --final-epochs 3
    python bench/search_overhead.py --code /tmp/old . . --code-args= --code-args= --code-args=--no-noise-floor
    python bench/search_overhead.py --smoke                  # a tiny search: checks the benchmark runs
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hyperprune.figures.cpu_use import COMMAND, OTHER, MachineCPU

SPLIT_KEYS = {
    "train_s": "training",
    "eval_s": "evaluation",
    "method_s": "method updates",
    "ls_s": "LS",
}
#: the search of ``--smoke``: seconds of work, enough to exercise every figure of the analysis
SMOKE = [
    "--max-evals", "2", "--e0", "1", "--ei", "1", "--final-count", "1", "--final-epochs", "2",
    "--no-noise-floor", "--no-report",
    "--set", "model.hidden_size=24", "--set", "model.emb_size=24", "--set", "train.max_batches=6",
    "--set", "train.max_eval_batches=4", "--set", "train.ls_steps=12", "--set", "train.ls_warmup=3",
]  # fmt: skip
#: what the ``hyperprune`` command runs, in the tree on PYTHONPATH (a tree without ``run_command``
#: predates it: its command was ``main``)
LAUNCH = ("import sys; from hyperprune import cli; sys.argv[0] = 'hyperprune'; "
          "sys.exit(getattr(cli, 'run_command', cli.main)())")

#: the search's processes by kind, from their command lines (Ray names a worker ``ray::<its task or
#: actor>``; its own Python services run scripts of the ``ray`` package)
PROCESS_KINDS = [
    ("candidate workers", ("ray::CandidateTrainable",)),
    ("dense runs", ("ray::train_dense",)),
    ("the search's actors", ("ray::ReferenceFeed", "ray::StatusBoard")),
    ("Ray's own processes", ("ray::", "gcs_server", "raylet", "/ray/")),
]


def run_search(
    code: Path, out: Path, cache: Path, extra: list[str]
) -> tuple[float, list[tuple[float, str]], float, dict]:
    """Run the search with ``code`` first on the path; (wall seconds, [(seconds since start,
    line)], start time, the machine's CPU meanwhile: :meth:`MachineCPU.stop`)."""
    env = dict(os.environ, PYTHONPATH=str(code), HYPERPRUNE_CACHE=str(cache))
    argv = [
        sys.executable,
        "-c",
        LAUNCH,
        "search",
        "--hpo",
        "tpe",
        "--out",
        str(out),
        "--no-dashboard",
        "--cache-dir",
        str(cache),
        *extra,
    ]
    start = time.time()
    lines = []
    with subprocess.Popen(
        argv, env=env, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        machine = MachineCPU(proc.pid, PROCESS_KINDS)
        for line in proc.stdout:
            lines.append((time.time() - start, line.rstrip()))
        proc.wait()
    wall = time.time() - start
    cpu = machine.stop()
    if proc.returncode != 0:
        tail = "\n".join(text for _, text in lines[-15:])
        raise SystemExit(f"search with {code} failed (exit {proc.returncode}):\n{tail}")
    return wall, [(t, text) for t, text in lines], start, cpu


def read_iterations(out: Path) -> list[dict]:
    """Every candidate-epoch Tune recorded (result.json of each trial directory)."""
    rows = []
    for path in sorted((out / "tune" / "search").glob("*/result.json")):
        for text in path.read_text().splitlines():
            if text.strip():
                rows.append(json.loads(text))
    return rows


def pool_checkpoint_seconds(out: Path) -> float:
    """Seconds from each candidate-epoch's result to its saved checkpoint, where the pool has them."""
    import pyarrow.parquet as pq

    path = out / "pool.parquet"
    if not path.is_file() or "checkpoint_s" not in pq.read_schema(path).names:
        return 0.0
    rows = pq.read_table(path, columns=["checkpoint_s"]).to_pylist()
    return sum(s for row in rows for s in (row["checkpoint_s"] or []) if s is not None)


def dense_seconds(out: Path) -> tuple[float | None, float | None]:
    """(dense reference, noise floor: every draw) training seconds, where this code records them."""
    path = out / "dense_reference.json"
    if not path.is_file():
        return None, None
    data = json.loads(path.read_text())
    reference = (data.get("record") or {}).get("seconds")
    # every noise-floor draw (code that trained one records it under "noise" alone)
    noises = data.get("noises") or [data.get("noise") or {}]
    noise = [s for draw in noises for s in (draw or {}).get("seconds") or []]
    return (sum(reference) if reference else None), (sum(noise) if noise else None)


def first_time(lines: list[tuple[float, str]], pattern: str) -> float | None:
    for t, text in lines:
        if re.search(pattern, text):
            return t
    return None


def analyse(
    wall: float,
    lines: list[tuple[float, str]],
    start: float,
    rows: list[dict],
    checkpoints: float,
    dense_work: tuple[float | None, float | None] = (None, None),
    cpu: dict | None = None,
) -> dict:
    match = next((re.search(r"\((\d+) at a time\)", text) for _, text in lines if "at a time" in text), None)
    workers = int(match.group(1)) if match else 1
    dense_at = first_time(lines, r"^dense reference .*: (training|cached)")
    seeding_at = first_time(lines, r"^seeding \d+ candidates")
    begins = [r["timestamp"] - r["time_this_iter_s"] - start for r in rows]
    ends = [r["timestamp"] - start for r in rows]
    work = sum(r["time_this_iter_s"] for r in rows)
    split = {name: sum(r.get(key, 0.0) or 0.0 for r in rows) for key, name in SPLIT_KEYS.items()}
    split["checkpoints"] = checkpoints
    # Tune's iteration time does not include saving the checkpoint after it.
    work_all = work + split["checkpoints"]
    startup = dense_at if dense_at is not None else seeding_at
    dense_phase = (seeding_at - dense_at) if dense_at is not None and seeding_at is not None else 0.0
    reference_s, noise_s = dense_work
    # trained beside the candidates: its own seconds; trained first: the phase before seeding
    dense = reference_s if reference_s is not None else dense_phase
    span = max(ends) - min(begins)
    ideal = work_all / workers + dense
    all_work = (work_all + (reference_s or 0.0) + (noise_s or 0.0)) / workers if reference_s else None
    cpu = cpu or {}
    by_kind, busy, cores = cpu.get("by_kind") or {}, cpu.get("busy_s"), cpu.get("cores") or 1
    search_cpu = busy - by_kind.get(OTHER, 0.0) if busy is not None else None
    floor = search_cpu / cores if search_cpu is not None else None
    return {
        "wall": wall,
        "ideal": ideal,
        "ratio": wall / ideal,
        "workers": workers,
        "epochs": len(rows),
        "startup": startup,
        "dense": dense,
        "dense_phase": dense_phase,
        "reference_s": reference_s,
        "noise_s": noise_s,
        "all_work_ideal": all_work,
        "all_work_ratio": wall / all_work if all_work else None,
        "work": work_all,
        "work_per_worker": work_all / workers,
        "idle": workers * span - work_all,
        "idle_per_worker": span - work_all / workers,
        "before_first": min(begins) - (seeding_at or 0.0),
        "finish": wall - max(ends),
        "driver_cpu": by_kind.get(COMMAND),
        "search_cpu": search_cpu,
        "cpu_by_kind": by_kind,
        "unattributed_cpu": cpu.get("unattributed_s"),
        "busy_share": busy / (cores * wall) if busy is not None else None,
        "cores": cores,
        "cpu_floor": floor,
        "cpu_floor_ratio": floor / ideal if floor is not None else None,
        "split": split,
    }


def report(label: str, figures: dict) -> None:
    f = figures
    print(
        f"{label}: wall {f['wall']:.1f} s, ideal {f['ideal']:.1f} s, wall/ideal {f['ratio']:.2f} "
        f"({f['epochs']} candidate-epochs on {f['workers']} workers)"
    )
    if f.get("all_work_ideal"):
        print(
            f"  all-work ideal {f['all_work_ideal']:.1f} s (candidates, dense reference and noise floor "
            f"over {f['workers']} workers), wall/all-work ideal {f['all_work_ratio']:.2f}"
        )
    print(f"  start-up (interpreter, Ray)      {f['startup']:7.1f} s")
    print(f"  dense phase before seeding       {f['dense_phase']:7.1f} s")
    if f.get("reference_s") is not None:
        print(f"  dense reference training         {f['reference_s']:7.1f} s  (beside the candidates)")
    if f.get("noise_s") is not None:
        print(f"  noise floor training             {f['noise_s']:7.1f} s  (beside the candidates)")
    print(f"  seeding to first candidate-epoch {f['before_first']:7.1f} s")
    print(f"  candidate work / workers         {f['work_per_worker']:7.1f} s  (sum {f['work']:.1f} s)")
    print(f"  idle per worker (rung waits, pause/resume, scheduling) {f['idle_per_worker']:7.1f} s")
    print(f"  finish (pool, result, report)    {f['finish']:7.1f} s")
    if f.get("driver_cpu") is not None:
        print(f"  driver CPU (the search process itself) {f['driver_cpu']:7.1f} s")
    if f.get("search_cpu") is not None:
        kinds = {COMMAND: "the search process", **{k: k for k in f["cpu_by_kind"] if k not in (COMMAND, OTHER)}}
        parts = ", ".join(f"{name} {f['cpu_by_kind'][k]:.1f} s" for k, name in kinds.items())
        print(f"  CPU of the search's processes    {f['search_cpu']:7.1f} s on {f['cores']} cores (the machine "
              f"busy {f['busy_share']:.0%} of the wall time): {parts}, ended between readings "
              f"{f['unattributed_cpu']:.1f} s; other processes {f['cpu_by_kind'][OTHER]:.1f} s")
        print(f"  CPU floor (that CPU / cores)     {f['cpu_floor']:7.1f} s = {f['cpu_floor_ratio']:.2f} x ideal: "
              "no schedule of this work ends sooner on this machine")
    recorded = {k: v for k, v in f["split"].items() if v}
    if recorded:
        rest = f["work"] - sum(recorded.values())
        parts = ", ".join(f"{name} {value:.1f} s" for name, value in recorded.items())
        print(f"  candidate work split: {parts}, other {rest:.1f} s")
    else:
        print("  candidate work split: not recorded by this code")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--code",
        nargs="+",
        default=[str(Path(__file__).resolve().parents[1])],
        help="source trees to compare (default: this checkout)",
    )
    parser.add_argument(
        "--code-args",
        action="append",
        default=None,
        help="extra search flags of one --code, given once per --code in turn, in the form "
        "--code-args=FLAGS ('--code-args=' for none); e.g. to run one tree with and without "
        "--no-noise-floor",
    )
    parser.add_argument(
        "--keep",
        help="keep the search directories (and each search's stamped output, lines.txt) under this folder",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny search (two candidates, a few batches, no noise floor, no report) that checks the benchmark runs",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("search_args", nargs="*", help="extra search flags after --")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="search-overhead-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        per_code = args.code_args or [""] * len(args.code)
        if len(per_code) != len(args.code):
            parser.error("--code-args needs one string per --code")
        for i, (code, own) in enumerate(zip(args.code, per_code, strict=True)):
            code_path = Path(code).resolve()
            out, cache = base / f"run{i}" / "out", base / f"run{i}" / "cache"
            extra = [*(SMOKE if args.smoke else []), *args.search_args, *shlex.split(own)]
            wall, lines, start, cpu = run_search(code_path, out, cache, extra)
            if args.keep:
                (base / f"run{i}" / "lines.txt").write_text(
                    "".join(f"{t:7.2f} {text}\n" for t, text in lines)
                )
            figures = analyse(
                wall, lines, start, read_iterations(out), pool_checkpoint_seconds(out), dense_seconds(out),
                cpu,
            )
            label = f"{code_path} {own}".strip()
            results.setdefault(label, []).append(figures)
            report(label, figures)
    if sum(map(len, results.values())) > 1:
        compare(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


def compare(results: dict[str, list[dict]]) -> None:
    """Each version's mean wall and wall/ideal over its runs, and the last version's wall against
    the first's (runs of a version alternate with the others' when ``--code`` repeats them)."""
    means = {}
    for label, runs in results.items():
        wall = sum(f["wall"] for f in runs) / len(runs)
        ratio = sum(f["ratio"] for f in runs) / len(runs)
        finish = sum(f["finish"] for f in runs) / len(runs)
        cpus = [f["driver_cpu"] for f in runs if f.get("driver_cpu") is not None]
        cpu = f", mean driver CPU {sum(cpus) / len(cpus):.1f} s" if cpus else ""
        floors = [f["cpu_floor_ratio"] for f in runs if f.get("cpu_floor_ratio") is not None]
        cpu += f", mean CPU floor / ideal {sum(floors) / len(floors):.2f}" if floors else ""
        means[label] = wall
        print(f"# {label}: mean wall {wall:.1f} s, mean wall/ideal {ratio:.2f}, mean finish {finish:.1f} s{cpu} "
              f"over {len(runs)} run(s)")
    if len(means) > 1:
        first, last = list(means.values())[0], list(means.values())[-1]
        change = (1 - last / first) * 100
        word = "faster" if change >= 0 else "slower"
        print(f"# mean wall of the last version against the first: {last / first:.2f} ({abs(change):.0f}% {word})")


if __name__ == "__main__":
    main()
