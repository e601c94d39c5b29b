"""How well does an early metric predict which pruned candidate ends best? (``hyperprune calibrate``)

A thin wrapper of the calibration (:mod:`hyperprune.tune.calibrate`, analysis in
:mod:`hyperprune.calibration`): it trains a pool drawn from a search space to the full budget
without exclusion, retrains some candidates from other seeds, and prints, per early metric and
epoch, Spearman and Kendall correlation with the final validation figure (bootstrap 95%
intervals), the seed noise and noise ceiling, the cheapest halving schedules within the
tolerance and the recommendation. Every argument is passed to ``hyperprune calibrate``; the
defaults here are the tiny study of the README (26 random proposals of the reference space,
which at seed 0 are 24 distinct candidates, 8 epochs).
``--render DIR`` prints the tables of a finished calibration again.

``--offline FILE`` evaluates a shipped benchmark table (``bench/tables/*.parquet``, written by
``bench/produce_table.py`` or ``hyperprune calibrate``) without training, in seconds: Spearman and
Kendall with bootstrap intervals per age for each signal (``--metric NAME``: one signal), the
noise ceiling from the replicates, and the regret and compute of every halving schedule (the
cheapest within the tolerance per signal; ``--all-schedules``: every one), replayed with the
search's own halving bookkeeping. It runs the calibration's own analysis
(:func:`hyperprune.calibration.table.analyse_table`). ``--markdown FILE...`` prints the README's
results section from table files (:func:`render_results_markdown`); ``--smoke`` builds a tiny table
and does both.

Usage::

    python bench/ranking.py                                   # tiny preset, embedded corpus, CPU
    python bench/ranking.py --space all-methods --max-evals 16 --out runs/ranking-all-methods
    python bench/ranking.py --render runs/ranking
    python bench/ranking.py --offline bench/tables/reference.parquet [--metric ls] [--all-schedules]
    python bench/ranking.py --markdown bench/tables/*.parquet
    # The reference scale (2x1500 LSTM, 26 candidates, 100 epochs): a GPU cluster, days.
    python bench/ranking.py --preset paper --data ptb --data-path ~/data/ptb --max-evals 26 --epochs 100 \\
        --address auto --gpus-per-trial 0.5 --out runs/ranking-paper
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

DEFAULTS = {"--max-evals": "26", "--epochs": "8", "--space": "reference", "--out": "runs/ranking"}


def render_results_markdown(paths) -> str:
    """The README's results tables (Markdown) from benchmark table files, one section per file."""
    from hyperprune.calibration.table_report import render_results_markdown as render

    return render(paths)


def offline(argv: list[str]) -> int:
    """``--offline FILE``, ``--markdown FILE...`` and ``--smoke``: analyses of table files, no training."""
    from hyperprune.calibration.table import analyse_table
    from hyperprune.calibration.table_report import render_offline
    from hyperprune.calibration.table_report import render_results_markdown as render
    from hyperprune.errors import UserError

    p = argparse.ArgumentParser(prog="bench/ranking.py", description="evaluate a benchmark table offline")
    p.add_argument("--offline", metavar="FILE")
    p.add_argument("--markdown", nargs="+", metavar="FILE")
    p.add_argument("--smoke", action="store_true", help="build a tiny table, then analyse and render it")
    p.add_argument(
        "--metric", action="append", default=None, help="a signal to judge (repeatable; default: all)"
    )
    p.add_argument("--tolerance", type=float, default=0.01, help="regret allowed, a fraction of the best")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--all-schedules", action="store_true", help="print every schedule, not the cheapest ones")
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="with --markdown: also store the rendered results as JSON (the README's results table)",
    )
    args = p.parse_args(argv)
    try:
        if args.smoke:
            import importlib.util

            spec = importlib.util.spec_from_file_location(
                "bench_produce_table", Path(__file__).with_name("produce_table.py")
            )
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            produce = module.main

            folder = tempfile.mkdtemp(prefix="ranking-smoke-")
            args.offline = str(Path(folder) / "smoke.parquet")
            args.markdown = [args.offline]
            args.bootstrap = 200
            if produce(["--smoke", "--quiet", "--workers", "1", "--out", args.offline]) != 0:
                return 2
        if args.offline:
            cal = analyse_table(args.offline, args.metric, tolerance=args.tolerance, samples=args.bootstrap)
            print(render_offline(cal, all_schedules=args.all_schedules))
        if args.markdown:
            text = render(args.markdown, samples=args.bootstrap)
            print(text)
            if args.json is not None:
                from hyperprune.figures.bench_output import command_line
                from hyperprune.figures.machine import machine_info
                from hyperprune.files import write_json

                write_json(
                    args.json,
                    {
                        "command": command_line("ranking.py", argv),
                        "smoke": bool(args.smoke),
                        "machine": machine_info(),
                        "markdown": text.rstrip("\n"),
                        "rows": [{"table": str(f)} for f in args.markdown],
                    },
                )
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    from hyperprune.cli import main as cli_main

    argv = list(sys.argv[1:] if argv is None else argv)
    if {"--offline", "--markdown", "--smoke"} & {a.split("=", 1)[0] for a in argv}:
        return offline(argv)
    if argv[:1] == ["--render"] and len(argv) == 2:
        from hyperprune.calibration.files import read_calibration
        from hyperprune.calibration.summary import render

        print(render(read_calibration(argv[1])))
        return 0
    given = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    defaults = [x for flag, value in DEFAULTS.items() if flag not in given for x in (flag, value)]
    return cli_main(["calibrate", *defaults, "--no-dashboard", *argv])


if __name__ == "__main__":
    sys.exit(main())
