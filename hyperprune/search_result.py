"""A finished search as Python objects: :class:`SearchResult`, read from its output directory.

Whatever ran the search (:func:`hyperprune.search`, :func:`hyperprune.resume`, the command
line, a Ray job), its output directory holds ``result.json`` and ``pool.parquet``;
:meth:`SearchResult.from_dir` reads them back, so every way of getting a result gives the same
object.

Example::

    result = SearchResult.from_dir("runs/search")
    result.status, result.winner["candidate_id"], result.pool["status"].value_counts()
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hyperprune.errors import UserError

if TYPE_CHECKING:
    import pandas

RESULT_FILE = "result.json"


@dataclass(frozen=True)
class SearchPaths:
    """Where a search wrote what; ``winner_weights`` and ``report`` are None when absent."""

    out: Path
    result: Path
    pool: Path
    winner_weights: Path | None
    report: Path | None

    @classmethod
    def of(cls, out: Path) -> SearchPaths:
        from hyperprune.searching.pool import POOL_FILE

        weights, report = out / "winner" / "weights.pt", out / "report" / "index.html"
        return cls(
            out=out,
            result=out / RESULT_FILE,
            pool=out / POOL_FILE,
            winner_weights=weights if weights.is_file() else None,
            report=report if report.is_file() else None,
        )


@dataclass(frozen=True, eq=False)
class SearchResult:
    """How a search ended: ``status`` (``finished``, ``diverged`` or ``failed``, see
    :mod:`hyperprune.searching.outcome`), the ``winner`` (None unless finished: candidate id,
    method, sparsity, hyperparameters, seed, epochs and validation and test figures), the
    ``finalists`` (the same, best first), the ``pool`` (one row per candidate, see
    :func:`hyperprune.api.load_pool`), the ``paths`` of its files and ``raw``, the whole of
    ``result.json``."""

    status: str
    winner: dict[str, Any] | None
    finalists: list[dict[str, Any]]
    pool: pandas.DataFrame = field(repr=False)
    paths: SearchPaths
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_dir(cls, path: str | Path) -> SearchResult:
        """The result of the finished search in ``path``; a one-line UserError if there is none."""
        from hyperprune.searching.pool import pool_frame

        out = Path(path).expanduser().resolve()
        file = out / RESULT_FILE
        if not file.is_file():
            hint = (
                f"continue it with 'hyperprune resume {path}'"
                if (out / "search.json").is_file()
                else "start one with 'hyperprune search'"
            )
            raise UserError(f"{path} holds no finished search (no {RESULT_FILE}); {hint}")
        try:
            raw = json.loads(file.read_text())
            status = raw["status"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserError(
                f"{file} is damaged (not valid JSON, or no status); the pool is still "
                f"readable: hyperprune pool show {path}"
            ) from None
        return cls(
            status=status,
            winner=raw.get("winner"),
            finalists=list(raw.get("finalists") or []),
            pool=pool_frame(out),
            paths=SearchPaths.of(out),
            raw=raw,
        )

    @property
    def front(self) -> dict[str, Any] | None:
        """A search over several target sparsities: per level the winner and the non-dominated
        candidates (``result.json["front"]``, see :mod:`hyperprune.front.build`); None otherwise."""
        return self.raw.get("front")

    @property
    def exit_status(self) -> int:
        """The exit status of ``hyperprune search`` for this result: 0 finished or diverged, 3 failed."""
        from hyperprune.searching.outcome import exit_status

        return exit_status(self.raw)
