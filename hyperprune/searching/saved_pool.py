"""A saved round-1 pool as the candidates of a new search (``--initial-pool``) or a calibration.

Each row of the pool's ``pool.parquet`` that kept its age-``e0`` checkpoint becomes a
candidate that resumes from it; the checkpoints are checked before anything trains. The
candidates keep the seed they were trained with; a search with another master seed would not
share their start (initial weights, data order) with its dense reference, so a pool from another
seed is refused unless ``seed`` is None (the search's ``--initial-pool-any-seed``).
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.errors import UserError


def saved_pool_candidates(path: str, e0: int, seed: int | None = None) -> list[dict]:
    """The candidates of the saved pool at ``path`` (a pool directory or its ``pool.parquet``);
    with ``seed``, every saved candidate must have been trained with that master seed."""
    from hyperprune.searching.pool import read_pool

    rows = read_pool(path)
    if seed is not None:
        check_pool_seed(rows, path, seed)
    base = Path(path)
    base = base if base.is_dir() else base.parent
    replay = []
    for row in rows:
        ckpt = row.get("pool_checkpoint")
        if not ckpt:
            continue
        ckpt_path = Path(ckpt)
        if not ckpt_path.is_absolute() or not ckpt_path.is_file():
            ckpt_path = base / "pool" / row["candidate_id"] / "run.pt"
        if not ckpt_path.is_file():
            raise UserError(f"pool checkpoint of {row['candidate_id']} is missing ({ckpt_path}); "
                            "the pool directory must keep its pool/ folder")
        saved_at = checkpoint_epoch(ckpt_path, row["candidate_id"])
        if saved_at != e0:
            raise UserError(f"the saved pool was taken at age {saved_at} (its first rung), not --e0 {e0}; "
                            f"use --e0 {saved_at}")
        replay.append({"candidate_id": row["candidate_id"], "method": row["method"],
                       "sparsity": row["sparsity"], "hparams": row["hparams_dict"], "seed": row["seed"],
                       "init_checkpoint": str(ckpt_path), "control": row["status"] == "control"})
    if not replay:
        raise UserError(f"the pool at {path} has no candidate with a saved checkpoint")
    return replay


def checkpoint_epoch(path: Path, candidate_id: str) -> int:
    """Refuse a pool checkpoint that is not a plain hyperprune run state before anything trains;
    returns the age it was saved at (the first rung of the search or calibration that saved it; the
    epoch for a checkpoint written before the fair clock)."""
    from hyperprune.training.checkpoint import load_safe
    from hyperprune.training.run import CHECKPOINT_FORMAT

    state = load_safe(path)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise UserError(f"pool checkpoint of {candidate_id} ({path}) is not a hyperprune training checkpoint")
    history = state.get("history") or []
    if history and "age" in history[-1]:
        return int(history[-1]["age"])
    return int(state.get("epoch") or 0)


def check_pool_seed(rows: list[dict], path: str, seed: int) -> None:
    """Refuse a pool whose candidates were trained with another master seed than ``seed``."""
    other = sorted({int(row["seed"]) for row in rows
                    if row.get("pool_checkpoint") and row.get("seed") is not None and int(row["seed"]) != seed})
    if other:
        seeds = ", ".join(map(str, other))
        raise UserError(f"the pool at {path} was trained with seed {seeds}, not --seed {seed}: its candidates "
                        f"would not share the dense reference's start; use --seed {other[0]}, or "
                        "--initial-pool-any-seed to continue it anyway")
