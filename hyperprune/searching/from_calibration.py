"""A search's ranking schedule taken from a finished calibration's recommendation.

``hyperprune search --from-calibration DIR`` and ``hyperprune.search(from_calibration=DIR)``
take ``metric``, ``ls_distance``, ``e0``, ``ei`` and ``final_count`` from the recommendation of
the calibration in ``DIR`` (and its epochs as ``final_epochs`` unless that is given); giving one
of them as well is a conflict, except ``--metric auto``, which asks for the calibration's best
signal explicitly (without ``--from-calibration`` it is refused).

Example::

    schedule = schedule_from_calibration("runs/cal", given={"final_epochs": 20})
    opts = dataclasses.replace(opts, **schedule)
"""

from __future__ import annotations

import dataclasses

from hyperprune.cli.dataclass_flags import flag_name
from hyperprune.errors import UserError
from hyperprune.searching.options import SearchOptions

#: the options a calibration's recommendation sets (with its epochs as final_epochs), and their flags
SCHEDULE_FLAGS = {
    f.name: flag_name(f)
    for f in dataclasses.fields(SearchOptions)
    if f.name in ("metric", "ls_distance", "e0", "ei", "final_count")
}


def schedule_from_calibration(path: str, given: dict) -> dict:
    """The recommended metric and schedule of a finished calibration (and its epochs as the budget);
    a schedule option in ``given`` (not None) is a conflict."""
    from hyperprune.calibration.files import read_calibration

    cal = read_calibration(path)
    rec = cal.get("recommendation")
    if not rec:
        raise UserError(
            f"the calibration in {path} recommends no schedule ({cal.get('recommendation_note')}); "
            "give --metric, --e0, --ei and --final-count yourself"
        )
    from hyperprune.searching.options import AUTO_METRIC

    clash = [flag for key, flag in SCHEDULE_FLAGS.items()
             if given.get(key) is not None and not (key == "metric" and given[key] == AUTO_METRIC)]
    if clash:
        raise UserError(f"{clash[0]} conflicts with --from-calibration, which sets it; drop one of them")
    flags = {
        "metric": rec["metric"],
        "ls_distance": SearchOptions().ls_distance,
        **((cal.get("search_flags") or {}).get(rec["metric"]) or {}),
    }
    return {
        **flags,
        "e0": rec["e0"],
        "ei": rec["ei"],
        "final_count": rec["final_count"],
        "final_epochs": given.get("final_epochs") or cal["epochs"],
    }
