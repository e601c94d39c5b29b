"""LS distance variants computed offline from the spectra a calibration recorded.

The search computes the distance of its ``--ls-distance`` variant while it trains; a calibration
records every candidate's spectrum at every epoch (and at epoch 0, before training, in its
checkpoints), so any other variant is computed afterwards with the same function
(:func:`hyperprune.lyapunov.distance.spectrum_gap`) on the same numbers, and equals what a search
ranking by that variant would have seen.
"""

from __future__ import annotations

import math


def _by_epoch(epochs, spectra) -> dict[int, list[float]]:
    return {int(e): list(s or []) for e, s in zip(epochs or [], spectra or [], strict=False)}


def offline_distance(variant: str, row: dict, epoch0: list[float] | None, dense: dict, epochs: int) -> list[float]:
    """The distance ``variant`` of one pool row to the dense record at ages ``1..epochs`` (NaN where
    a spectrum it needs is missing, as the search reports it). The row's spectra are taken by age
    (the last measurement of each age, that of its final network); age 0 is the spectrum before
    training only when the candidate's clock started at init."""
    from hyperprune.lyapunov.distance import spectrum_gap

    ages = row.get("age") or row.get("epochs")
    trained = list(row.get("epochs") or [])
    from_init = not trained or not ages or int(trained[-1]) == int(ages[-1])
    mine = {0: list(epoch0 or []) if from_init else [], **_by_epoch(ages, row.get("ls"))}
    ref = {0: list(dense.get("ls_epoch0") or []), **_by_epoch(dense.get("epochs"), dense.get("ls"))}
    out = []
    for epoch in range(1, epochs + 1):
        needed = range(epoch + 1) if variant == "trajectory" else [epoch]
        if any(not mine.get(e) or not ref.get(e) for e in needed):
            out.append(math.nan)
            continue
        out.append(spectrum_gap(variant, [mine.get(e, []) for e in range(epoch + 1)],
                                [ref.get(e, []) for e in range(epoch + 1)]))
    return out
