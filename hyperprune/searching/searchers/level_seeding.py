"""The backend that seeds a search: a plain one for one target sparsity; for several, one
learning across the levels where the searcher does that well, else one per level.

A backend class says so with ``across_levels = True`` (Optuna's TPE); hyperopt's TPE and ATPE
and random search are seeded per level. The choice is measured by ``bench/level_seeding.py``
(see the README's section on the front).
"""

from __future__ import annotations

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.searchers.across_levels import AcrossLevels
from hyperprune.searching.searchers.per_level import PerLevel


def learns_across_levels(hpo: str) -> bool:
    return bool(getattr(SEARCHERS.get(hpo), "across_levels", False))


def seeding_backend(
    hpo: str, space, *, seed: int, concurrency: int, per_level: int, levels: tuple[float, ...]
):
    """``per_level``: candidates proposed per level; the backends' start-up (random) proposals are
    a quarter of what each one proposes, at least one wave."""
    cls = SEARCHERS.get(hpo)
    if len(levels) == 1:
        return cls(space, seed=seed, startup=max(concurrency, per_level // 4))
    if learns_across_levels(hpo):
        return AcrossLevels(
            cls(space, seed=seed, startup=max(concurrency, per_level * len(levels) // 4)), levels
        )
    return PerLevel(lambda: cls(space, seed=seed, startup=max(concurrency, per_level // 4)), levels)
