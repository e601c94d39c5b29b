"""One searcher for several target sparsities: what it learns at one level informs the others.

:class:`AcrossLevels` wraps any backend. Proposals are given levels in turn (round-robin over
the sorted levels, so every level gets the same share of the pool and no level waits for
another), and the level is part of the proposal (``"sparsity"``). The wrapped backend is one
model for all levels: every score it learns, whatever its level, shapes every later proposal.

Raw scores are not comparable across levels (a sparser network is further from the dense one
and has a worse loss), so a model told them as they are would learn mostly "low sparsity is
good". Each score is therefore told as its *quantile within its own level*: the fraction of
that level's scores known so far that are better, counting ties and itself as half
(``0.5`` for a level's first score; a diverged candidate counts as worse than all). A strategy
that is good at 0.67 ranks high among the 0.67 candidates, and the backend proposes more like
it at 0.8 too. The level itself is not a variable of the backend's model: the TPEs model each
hyperparameter on its own, so fixing the level in their space would not change what they propose
for the others. Which searchers are seeded this way, and which per level, is
:mod:`~hyperprune.searching.searchers.level_seeding`'s choice.
"""

from __future__ import annotations

import math
from typing import Any


def level_quantile(score: float, known: list[float]) -> float:
    """Where ``score`` falls among ``known`` (which includes it): 0 best, 1 worst."""
    if not math.isfinite(score):
        return 1.0
    better = sum(1 for s in known if s < score)
    ties = sum(1 for s in known if s == score)
    return (better + 0.5 * ties) / len(known)


class AcrossLevels:
    def __init__(self, backend, levels: tuple[float, ...]) -> None:
        self.backend = backend
        self.levels = tuple(levels)
        self.asked = 0
        self.level_of: dict[Any, float] = {}
        self.scores: dict[float, list[float]] = {level: [] for level in self.levels}

    def ask(self) -> tuple[Any, dict]:
        level = self.levels[self.asked % len(self.levels)]
        self.asked += 1
        token, proposal = self.backend.ask()
        self.level_of[token] = level
        return token, {**proposal, "sparsity": level}

    def tell(self, token: Any, score: float) -> None:
        known = self.scores[self.level_of.pop(token)]
        known.append(float(score) if math.isfinite(score) else math.inf)
        self.backend.tell(token, level_quantile(score, known))
