"""Growth (regrowth) step of dynamic sparse training: which empty slots come back to life.

Every function takes a flat mask view ``m`` (True = alive) and a count, and returns a boolean
tensor of newly grown positions chosen among the empty slots (``~m``). New weights start at
exactly zero; the caller keeps them so.

``random``    uniform over the empty slots, drawn from the method's own generator;
``gradient``  the empty slots of largest ``|grad|`` (RigL-like; the gradient is recorded in
              ``before_step``, before clipping);
``momentum``  the empty slots of largest ``|momentum|`` (sparse-momentum-like).

Ties go to the lower position (stable sort), so a run is reproducible.

Example::

    new = grow("gradient", m, 12, generator, scores=grad_view)
    m |= new
"""

from __future__ import annotations

import torch

GROWTH_MODES = ("random", "momentum", "gradient")


def grow(mode: str, m: torch.Tensor, count: int, generator: torch.Generator,
         scores: torch.Tensor | None = None) -> torch.Tensor:
    """Boolean tensor of ``count`` empty positions of ``m`` to regrow (fewer if not enough)."""
    empty = torch.nonzero(~m).flatten()
    count = min(count, empty.numel())
    new = torch.zeros_like(m)
    if count <= 0:
        return new
    if mode == "random":
        chosen = empty[torch.randperm(empty.numel(), generator=generator)[:count].to(empty.device)]
    elif mode in ("gradient", "momentum"):
        if scores is None:
            raise ValueError(f"{mode} growth needs scores")
        order = torch.sort(scores[empty].abs(), descending=True, stable=True).indices
        chosen = empty[order[:count]]
    else:
        raise ValueError(f"unknown growth {mode!r}; choose one of {GROWTH_MODES}")
    new[chosen] = True
    return new
