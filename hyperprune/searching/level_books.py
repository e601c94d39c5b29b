"""Successive halving that ranks like with like: one :class:`HalvingBook` per target sparsity.

A search aiming at several sparsity levels halves each level on its own: a candidate is only
ever ranked against candidates of its own level, and each level keeps its own rounds and
``final_count`` finalists. :class:`LevelBooks` holds one book per level behind the interface
the scheduler and the recorder use of a single book, so either drives it unchanged. A round's
history entry carries its ``level``. The dense control (no level) is kept in the first level's
book, where it is recorded and never ranked.

Example::

    books = LevelBooks((0.5, 0.8), e0=2, ei=1, final_count=1, final_epochs=4)
    books.add("t1", "c000", level=0.5)
"""

from __future__ import annotations

from hyperprune.searching.halving import Candidate, HalvingBook


class LevelBooks:
    def __init__(self, levels: tuple[float, ...], **book_options) -> None:
        self.levels = tuple(levels)
        self.books = {level: HalvingBook(**book_options) for level in self.levels}
        self.level_of: dict[str, float] = {}
        self.history: list[dict] = []

    # -- what the scheduler and recorder read of a book ------------------------------------------
    @property
    def candidates(self) -> dict[str, Candidate]:
        return {tid: c for book in self.books.values() for tid, c in book.candidates.items()}

    @property
    def final_epochs(self) -> int:
        return self.books[self.levels[0]].final_epochs

    @property
    def signal(self) -> str | None:
        """The early signal every level's book ranks by."""
        return getattr(self.books[self.levels[0]], "signal", None)

    @property
    def round(self) -> int:
        """The round of the level furthest behind (all levels are decided by then)."""
        return min(book.round for book in self.books.values())

    @property
    def rung_epoch(self) -> int:
        return min(book.rung_epoch for book in self.books.values())

    def book_of(self, trial_id: str) -> HalvingBook:
        return self.books[self.level_of[trial_id]]

    def level(self, value: float | None) -> float:
        """The level a candidate's target sparsity belongs to (the nearest one)."""
        if value is None:
            return self.levels[0]
        return min(self.levels, key=lambda level: abs(level - float(value)))

    # -- the book interface --------------------------------------------------------------------
    def add(
        self, trial_id: str, candidate_id: str, control: bool = False, level: float | None = None
    ) -> Candidate:
        if trial_id not in self.level_of:
            self.level_of[trial_id] = self.levels[0] if control else self.level(level)
        return self.book_of(trial_id).add(trial_id, candidate_id, control=control)

    def exclude(self, trial_id: str, status: str) -> None:
        self.book_of(trial_id).exclude(trial_id, status)

    def record(self, trial_id: str, *args, **kwargs) -> str:
        return self.book_of(trial_id).record(trial_id, *args, **kwargs)

    def finish(self, trial_id: str, epoch: int) -> None:
        self.book_of(trial_id).finish(trial_id, epoch)

    def clearable(self, pool_complete: bool) -> list[Candidate]:
        return [c for book in self.books.values() for c in book.clearable(pool_complete)]

    def clear_ahead(self, trial_id: str) -> None:
        self.book_of(trial_id).clear_ahead(trial_id)

    def alive(self) -> list[Candidate]:
        return [c for book in self.books.values() for c in book.alive()]

    def ready(self, pool_complete: bool) -> bool:
        return any(book.ready(pool_complete) for book in self.books.values())

    def halve(self) -> tuple[list[Candidate], list[Candidate]]:
        """Halve the first level whose candidates all wait at its rung (only among themselves)."""
        level = next(level for level, book in self.books.items() if book.ready(True))
        book = self.books[level]
        kept, dropped = book.halve()
        self.history.append({**book.history[-1], "level": level})
        return kept, dropped
