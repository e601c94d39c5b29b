"""Epochs a front search spent, per level and in all, against the ways of getting the same front
without it: one search per level (each training its own dense reference and noise floor), and
training every candidate fully at every level."""

from __future__ import annotations

from hyperprune.searching.halving import schedule


def front_epochs(rows: list[dict], levels: tuple[float, ...], level_of, opts, dense_epochs: int) -> dict:
    """``rows``: the pool's candidates (control excluded); ``level_of(row)``: a row's level;
    ``dense_epochs``: epochs of the dense reference and noise floor, trained once for all levels."""
    per_level = {}
    for level in levels:
        mine = [r for r in rows if level_of(r) == level]
        plan = schedule(len(mine), opts.e0, opts.ei, opts.final_count, opts.final_epochs)
        per_level[f"{level:g}"] = {
            "candidates": len(mine),
            "spent": int(sum(r["epochs_trained"] or 0 for r in mine)),
            "planned": plan["epochs"],
            "full": plan["full"],
        }
    strategies = {(r["method"], r["hparams"]) for r in rows}
    spent = sum(v["spent"] for v in per_level.values())
    return {
        "per_level": per_level,
        "candidates": spent,
        "dense_reference": dense_epochs,
        "total": spent + dense_epochs,
        # one search per level: the same halving, but the dense reference trained at every level
        "one_search_per_level": spent + dense_epochs * len(levels),
        # every candidate of the pool trained to the full budget (at its own level)
        "full_training": sum(v["full"] for v in per_level.values()) + dense_epochs,
        # every distinct strategy proposed, trained fully at every level
        "every_strategy_every_level": len(strategies) * len(levels) * opts.final_epochs + dense_epochs,
    }
