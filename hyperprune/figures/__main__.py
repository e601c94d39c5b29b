"""``python -m hyperprune.figures``: rewrite (or check) the README's generated tables.

python -m hyperprune.figures                      # re-render every table from bench/results/
python -m hyperprune.figures --check              # exit 1 if a README table differs from its rendering
python -m hyperprune.figures --rerun              # rerun every bench run at the README's size, then render
python -m hyperprune.figures --rerun ls_speed     # only this table's runs
python -m hyperprune.figures --list               # the tables and their bench command lines
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hyperprune.errors import UserError
from hyperprune.figures.readme import rewrite, stale_sections
from hyperprune.figures.registry import table, tables
from hyperprune.figures.rerun import rerun


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hyperprune.figures", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="the checkout (default: .)")
    parser.add_argument("--readme", type=Path, default=None, help="default: ROOT/README.md")
    parser.add_argument("--results", type=Path, default=None, help="default: ROOT/bench/results")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--rerun", nargs="*", metavar="TABLE", help="rerun these tables' benches (none: all)")
    mode.add_argument("--only", nargs="+", metavar="TABLE", help="re-render only these tables")
    mode.add_argument("--check", action="store_true", help="only compare; exit 1 when a table differs")
    mode.add_argument("--list", action="store_true", help="list the tables and their bench runs")
    args = parser.parse_args(argv)
    readme = args.readme or args.root / "README.md"
    results = args.results or args.root / "bench" / "results"
    try:
        if args.list:
            for name, entry in tables().items():
                for run, command in entry.runs.items():
                    print(f"{name:<18} {run:<24} python {' '.join(command)}")
            return 0
        if args.check:
            stale = stale_sections(readme, results)
            for name in stale:
                print(f"{readme}: table {name} differs from its rendering (python -m hyperprune.figures)")
            return 1 if stale else 0
        if args.rerun is not None:
            for name in args.rerun or list(tables()):
                rerun(table(name), args.root, results)
        changed = rewrite(readme, results, args.rerun or args.only or None)
        print(f"rewrote {len(changed)} table(s) in {readme}: {', '.join(changed) or 'none changed'}")
        return 0
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
