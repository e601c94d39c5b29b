"""``hyperprune pool show DIR``: the candidate pool of a search as a table."""

from __future__ import annotations

import argparse
import json
import math


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("pool", help="inspect a saved candidate pool")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", help="print the pool as a table")
    show.add_argument("path", metavar="DIR", help="a search directory or its pool.parquet")
    show.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    show.set_defaults(handler=run)
    return p


def _fmt(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def format_table(rows: list[dict]) -> str:
    header = ["id", "method", "status", "round", "epochs", "val", "ls_dist", "sparsity", "test", "node",
              "hyperparameters"]
    lines = [header]
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in sorted(r["hparams_dict"].items()))
        lines.append([
            r["candidate_id"], r["method"], r["status"],
            _fmt(r["round_excluded"] + 1 if r["round_excluded"] is not None else None),
            _fmt((r["epochs"] or [None])[-1]), _fmt((r["val_metric"] or [None])[-1]),
            _fmt((r["ls_distance"] or [None])[-1]), _fmt((r["weight_sparsity"] or [None])[-1], 3),
            _fmt(r["test_metric"]), (r["node_id"] or "-")[:8], params,
        ])
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(header) - 1)]
    out = []
    for row in lines:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1])
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    from hyperprune.searching.pool import read_pool

    rows = read_pool(args.path)
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k not in ("ls", "hparams_dict")} for r in rows],
                         indent=2, default=str))
    else:
        print(format_table(rows))
    return 0
