"""How well does an early metric predict which pruned candidate ends best?

Trains a pool of candidates drawn from a search space (random searcher, seeded) to the full
budget, plus the dense reference, exactly as a search measures them: the same run spec, the
same per-candidate seeds, the same fixed LS evaluation batch
(:mod:`hyperprune.search.spectrum_metric`) and the dense reference trained by
:func:`hyperprune.search.dense.train_dense`. Ground truth is each candidate's validation
perplexity after ``--epochs``. For every epoch ``e`` it prints

* Spearman(LS distance @e, final val ppl) and Spearman(val loss @e, final val ppl),
* the regret of each metric's pick at ``e``: final ppl of the candidate ranked first at ``e``
  minus the best final ppl in the pool,

then the compute of successive halving (:func:`hyperprune.search.halving.schedule`) against
full training of every candidate, and which candidate halving by each metric would have
crowned. Per-candidate results are cached in ``bench/cache/ranking-<hash>.json``, so a second
run with the same settings only re-renders the table.

Usage::

    python bench/ranking.py                                  # tiny scale, embedded corpus, CPU
    python bench/ranking.py --data-path ~/data/ptb           # a PTB directory instead
    # The reference scale (2x1500 LSTM, 26 candidates, 100 epochs): a GPU cluster node, days.
    python bench/ranking.py --preset paper --data-path ~/data/ptb --device cuda \\
        --candidates 26 --epochs 100 --max-batches none --max-eval-batches none --e0 3 --ei 3
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

from hyperprune.config import override, preset, spec_to_dict, stable_hash
from hyperprune.report.stats import spearman
from hyperprune.search.halving import keep_count, schedule

CACHE = Path(__file__).resolve().parent / "cache"
REFERENCE = {"ls_rho_e3": 0.72, "loss_rho_e3": 0.42, "pool": 26}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="tiny", help="run preset: tiny (CPU) or paper (2x1500 LSTM)")
    p.add_argument("--candidates", type=int, default=12, help="pool size (default 12)")
    p.add_argument("--epochs", type=int, default=6, help="full training budget = ground truth epoch (default 6)")
    p.add_argument("--max-batches", default="30", help="training batches per epoch, or none (default 30)")
    p.add_argument("--max-eval-batches", default="20", help="evaluation batches, or none (default 20)")
    p.add_argument("--sparsity", type=float, default=0.67, help="target sparsity (default 0.67)")
    p.add_argument("--space", default="reference", help="search space name or YAML file (default reference)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--data-path", default=None, help="a PTB-layout directory instead of the embedded corpus")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--e0", type=int, default=2, help="first rung of the halving comparison (default 2)")
    p.add_argument("--ei", type=int, default=1, help="epochs between rungs (default 1)")
    p.add_argument("--final-count", type=int, default=2, help="finalists of the halving comparison (default 2)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="override a run setting, e.g. --set model.hidden_size=64")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--cache-dir", default=str(CACHE), help="where per-candidate results are cached")
    return p.parse_args(argv)


def _optional_int(text: str) -> int | None:
    return None if str(text).lower() in ("none", "null", "") else int(text)


def build_spec(args: argparse.Namespace):
    values = {"train.epochs": args.epochs, "train.seed": args.seed,
              "train.max_batches": _optional_int(args.max_batches),
              "train.max_eval_batches": _optional_int(args.max_eval_batches)}
    if args.data_path:
        values.update({"data.name": "ptb", "data.path": args.data_path})
    for item in args.settings:
        key, _, value = item.partition("=")
        values[key.strip()] = value.strip()
    return override(preset(args.preset), values)


def draw_candidates(args: argparse.Namespace) -> list[dict]:
    """``--candidates`` distinct proposals of the random searcher, with the search's seeds."""
    from hyperprune.search.backends import SEARCHERS
    from hyperprune.search.seeder import candidate_key
    from hyperprune.search.space import load_space

    space = load_space(args.space)
    backend = SEARCHERS.get("random")(space, seed=args.seed)
    seen, out = set(), []
    for _ in range(100 * args.candidates):
        _, proposal = backend.ask()
        key = candidate_key(proposal["method"], args.sparsity, proposal["hparams"])
        if key in seen:
            continue
        seen.add(key)
        out.append({"candidate_id": f"c{len(out):03d}", "method": proposal["method"], "sparsity": args.sparsity,
                    "hparams": proposal["hparams"], "seed": args.seed})
        if len(out) == args.candidates:
            break
    if len(out) < args.candidates:
        print(f"the space holds only {len(out)} distinct candidates", file=sys.stderr)
    return out


def _cached(path: Path, compute) -> tuple[dict, bool]:
    if path.is_file():
        return json.loads(path.read_text()), True
    record = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)
    return record, False


def train_dense_reference(spec, args) -> dict:
    from hyperprune.search.dense import train_dense

    record, _ = train_dense(spec_to_dict(spec), args.seed, args.epochs, args.seed, None, True, args.device)
    return record


def train_candidate(spec, cand: dict, args) -> dict:
    """Train one candidate to the budget, recording val loss, ppl and spectrum every epoch."""
    from hyperprune.lyapunov.probe import LSProbe
    from hyperprune.training.run import TrainingRun

    run = TrainingRun(spec, method=cand["method"], sparsity=cand["sparsity"], hparams=cand["hparams"],
                      seed=cand["seed"], total_epochs=args.epochs, device=args.device, prune_by=args.e0)
    run.attach_probe(LSProbe.for_run(run, args.seed))
    record = {"epochs": [], "val_loss": [], "val_metric": [], "ls": [], "diverged": False}
    for _ in range(args.epochs):
        m = run.train_epoch()  # one measurement: loss, spectrum and sparsity of the same state
        spectrum = None if m.get("diverged") else m["ls"]
        record["epochs"].append(int(m["epoch"]))
        record["val_loss"].append(math.nan if m.get("diverged") else float(m["val_loss"]))
        record["val_metric"].append(math.nan if m.get("diverged") else float(m["val_ppl"]))
        record["ls"].append(spectrum)
        record["diverged"] = record["diverged"] or bool(m.get("diverged"))
    return record


def _distance(a, b) -> float:
    from hyperprune.lyapunov import ls_distance

    return ls_distance(torch.tensor(a), torch.tensor(b)) if a is not None and b is not None else math.nan


def _num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) and math.isfinite(value) else "-"


def _regret(scores: list[float], final: list[float]) -> float:
    ok = [i for i in range(len(scores)) if math.isfinite(scores[i]) and math.isfinite(final[i])]
    if not ok:
        return math.nan
    pick = min(ok, key=lambda i: scores[i])
    return final[pick] - min(f for f in final if math.isfinite(f))


def simulate_halving(scores_at: dict[int, list[float]], final: list[float], args) -> int | None:
    """Index of the winner of synchronous halving ranked by ``scores_at[epoch]``."""
    alive = list(range(len(final)))
    rung = args.e0
    while len(alive) > args.final_count and rung <= args.epochs:
        keyed = sorted(alive, key=lambda i: (scores_at[rung][i] if math.isfinite(scores_at[rung][i]) else math.inf, i))
        alive = keyed[:keep_count(len(alive), args.final_count)]
        rung += args.ei
    finished = [i for i in alive if math.isfinite(final[i])]
    return min(finished, key=lambda i: final[i]) if finished else None


def render(cands: list[dict], records: list[dict], dense: dict, args, elapsed: float, fresh: int) -> str:
    epochs = args.epochs
    final = [r["val_metric"][-1] for r in records]
    ls_at = {e: [_distance(r["ls"][e - 1], dense["ls"][e - 1]) for r in records] for e in range(1, epochs + 1)}
    loss_at = {e: [r["val_loss"][e - 1] for r in records] for e in range(1, epochs + 1)}
    finite = [f for f in final if math.isfinite(f)]
    lines = [f"pool of {len(cands)} candidates ({len(finite)} finished, {len(cands) - len(finite)} diverged), "
             f"space {args.space}, sparsity {args.sparsity}, preset {args.preset}, {epochs} epochs; "
             f"dense reference final val ppl {_num(dense['val_metric'][-1])}",
             f"best final val ppl {_num(min(finite) if finite else math.nan)}, "
             f"worst {_num(max(finite) if finite else math.nan)}", "",
             "| epoch | Spearman(LS dist, final ppl) | Spearman(val loss, final ppl) | regret LS pick (ppl) "
             "| regret loss pick (ppl) |",
             "|---:|---:|---:|---:|---:|"]
    for e in range(1, epochs + 1):
        lines.append(f"| {e} | {_num(spearman(ls_at[e], final))} | {_num(spearman(loss_at[e], final))} "
                     f"| {_num(_regret(ls_at[e], final))} | {_num(_regret(loss_at[e], final))} |")
    lines.append(f"| reference (e=3, {REFERENCE['pool']} cand., 2x1500 LSTM, 100 ep.) | {REFERENCE['ls_rho_e3']} "
                 f"| {REFERENCE['loss_rho_e3']} (val ppl) | - | - |")
    lines.append("")
    plan = schedule(len(cands), args.e0, args.ei, args.final_count, epochs)
    lines.append(f"compute (epochs): successive halving e0={args.e0} ei={args.ei} final={args.final_count} "
                 f"-> {plan['epochs']} from checkpoints ({plan['from_scratch']} if every round restarted from "
                 f"scratch) vs {plan['full']} for full training of all ({plan['epochs'] / plan['full']:.0%}); "
                 f"rounds {[(r, a, k) for r, a, k in plan['rounds']]}")
    best = min(range(len(final)), key=lambda i: final[i] if math.isfinite(final[i]) else math.inf)
    for name, scores in (("LS distance", ls_at), ("val loss", loss_at)):
        w = simulate_halving(scores, final, args)
        text = "no finisher" if w is None else (f"{cands[w]['candidate_id']} final ppl {_num(final[w])} "
                                                 f"(regret {_num(final[w] - final[best])})")
        lines.append(f"halving by {name}: winner {text}")
    lines.append(f"true best: {cands[best]['candidate_id']} {json.dumps(cands[best]['hparams'], sort_keys=True)} "
                 f"final ppl {_num(final[best])}")
    lines.append(f"time: {elapsed:.0f} s ({fresh} runs trained, {len(cands) + 1 - fresh} from the cache "
                 f"in {args.cache_dir})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.time()
    spec = build_spec(args)
    base = {"spec": spec_to_dict(spec), "device": args.device, "seed": args.seed}
    cache = Path(args.cache_dir)
    fresh = 0
    dense, hit = _cached(cache / f"ranking-{stable_hash({**base, 'dense': True})}.json",
                         lambda: train_dense_reference(spec, args))
    fresh += not hit
    print(f"dense reference: {'cached' if hit else 'trained'} ({time.time() - started:.0f} s)", flush=True)
    cands = draw_candidates(args)
    records = []
    for cand in cands:
        key = stable_hash({**base, "candidate": {k: v for k, v in cand.items() if k != 'candidate_id'}})
        record, hit = _cached(cache / f"ranking-{key}.json", lambda c=cand: train_candidate(spec, c, args))
        fresh += not hit
        records.append(record)
        print(f"{cand['candidate_id']} {json.dumps(cand['hparams'], sort_keys=True)}: final val ppl "
              f"{_num(record['val_metric'][-1])} ({'cached' if hit else 'trained'}, {time.time() - started:.0f} s)",
              flush=True)
    print()
    print(render(cands, records, dense, args, time.time() - started, fresh))
    return 0


if __name__ == "__main__":
    sys.exit(main())
