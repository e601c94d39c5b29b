"""The noise floor as an estimate: the mean over several noise-floor draws, with its spread.

Each draw is a second dense network from another initialisation
(:func:`~hyperprune.tune.dense_reference.noise_floor` gives its distance to the reference per
epoch). One draw is one sample of a noisy quantity; the floor is their mean at each epoch, the
spread their sample standard deviation (None with a single draw), and every draw is kept.
An epoch counts only once every draw has reached it, so a floor once shown does not change.

Example::

    floor_estimate(reference, [noise_1, noise_2, noise_3])
    # {"ls_distance": [1.2, ...], "ls_distance_sd": [0.2, ...], "ls_distance_per_seed": [[...], ...],
    #  "val_loss_diff": [...], "val_loss_diff_sd": [...], "val_loss_diff_per_seed": [...], "seeds": 3}
"""

from __future__ import annotations

import statistics

FIELDS = ("ls_distance", "val_loss_diff")


def floor_estimate(reference: dict, noises: list[dict | None], variant: str = "l2") -> dict:
    from hyperprune.tune.dense_reference import noise_floor

    draws = [noise_floor(reference, noise, variant) for noise in noises if noise] or [
        noise_floor(reference, None)
    ]
    estimate: dict = {"seeds": sum(1 for noise in noises if noise)}
    for field in FIELDS:
        by_epoch = list(zip(*(draw[field] for draw in draws), strict=True))
        complete = [values if all(v is not None for v in values) else None for values in by_epoch]
        estimate[field] = [statistics.mean(v) if v else None for v in complete]
        estimate[f"{field}_sd"] = [statistics.stdev(v) if v and len(v) > 1 else None for v in complete]
        estimate[f"{field}_per_seed"] = [draw[field] for draw in draws] if estimate["seeds"] else []
    return estimate


def at_epoch(estimate: dict, epochs: list, field: str, epoch: int) -> tuple[float, float | None] | None:
    """(mean, spread) of ``field`` at ``epoch``, or None where the draws have not all reached it."""
    index = {int(e): i for i, e in enumerate(epochs)}.get(int(epoch))
    means = estimate.get(field) or []
    if index is None or index >= len(means) or means[index] is None:
        return None
    spreads = estimate.get(f"{field}_sd") or []
    return means[index], (spreads[index] if index < len(spreads) else None)


def describe(floor: float | tuple | list | None, seeds: int | None = None) -> str:
    """``1.23 ± 0.2 (sd, 3 seeds)``: a floor given as ``(mean, spread[, draws so far])``, with
    ``seeds`` the draws planned; the mean alone for one draw or a floor saved as a number."""
    if floor is None:
        return ""
    values = tuple(floor) if isinstance(floor, (tuple, list)) else (floor,)
    mean, spread, drawn = (*values, None, None)[:3]
    planned = max(seeds or 0, drawn or 0)
    counted = (
        ""
        if planned <= 1
        else f"{drawn} of {planned} seeds"
        if drawn and drawn < planned
        else f"{planned} seeds"
    )
    if spread is None:
        return f"{mean:.3g} ({counted})" if counted else f"{mean:.3g}"
    return f"{mean:.3g} ± {spread:.2g} (sd{', ' + counted if counted else ''})"
