"""Per-level seeding: one backend for each target sparsity, each learning only its own level.

The fallback for backends that do not learn well across levels (see
:mod:`~hyperprune.searching.searchers.across_levels` and ``bench/level_seeding.py``). Levels are
proposed in turn as by :class:`~hyperprune.searching.searchers.across_levels.AcrossLevels`; the
backend of every level is built with the search's own seed, so each level's proposals are those
a search at that level alone would start from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class PerLevel:
    def __init__(self, make_backend: Callable[[], Any], levels: tuple[float, ...]) -> None:
        self.levels = tuple(levels)
        self.backends = {level: make_backend() for level in self.levels}
        self.asked = 0
        self.level_of: dict[tuple[float, Any], float] = {}

    def ask(self) -> tuple[tuple[float, Any], dict]:
        level = self.levels[self.asked % len(self.levels)]
        self.asked += 1
        token, proposal = self.backends[level].ask()
        return (level, token), {**proposal, "sparsity": level}

    def tell(self, token: tuple[float, Any], score: float) -> None:
        level, inner = token
        self.backends[level].tell(inner, score)
