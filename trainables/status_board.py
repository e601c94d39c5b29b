"""What each candidate is doing right now, for the driver's progress output.

A :class:`StatusBoard` is one small Ray actor the driver starts; each candidate's trainable
posts a line when it starts a new phase (``training epoch 3``, ``sa: end-of-epoch update``,
``Lyapunov spectrum``, ``saving checkpoint``) through a :class:`StatusPoster`, without waiting
for an answer. The driver reads the board only when a candidate has been busy for long (see
:mod:`hyperprune.tune.busy`), so it costs nothing in a search that runs smoothly.

Example::

    board = start_board()
    poster = StatusPoster(board, "c003")
    poster("training epoch 1")
    read_board(board)                 # {"c003": ("training epoch 1", 1700000000.0)}
"""

from __future__ import annotations

import time

import ray


@ray.remote(num_cpus=0)
class StatusBoard:
    def __init__(self) -> None:
        self.lines: dict[str, tuple[str, float]] = {}

    def post(self, candidate_id: str, doing: str, since: float) -> None:
        self.lines[candidate_id] = (doing, since)

    def read(self) -> dict[str, tuple[str, float]]:
        return dict(self.lines)


def start_board():
    """A fresh board actor (it lives as long as the driver's Ray session)."""
    return StatusBoard.remote()


def read_board(board, timeout: float = 2.0) -> dict[str, tuple[str, float]]:
    """The board's lines; empty when there is no board or it does not answer in time."""
    if board is None:
        return {}
    try:
        return ray.get(board.read.remote(), timeout=timeout)
    except Exception:  # a missing or slow board must never stop the search
        return {}


class StatusPoster:
    """Posts one candidate's phases to the board; without a board it does nothing."""

    def __init__(self, board, candidate_id: str) -> None:
        self.board = board
        self.candidate_id = candidate_id

    def __call__(self, doing: str) -> None:
        if self.board is not None:
            self.board.post.remote(self.candidate_id, doing, time.time())
