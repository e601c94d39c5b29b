"""Atomic checkpoint writes and safe (weights-only) reads.

A checkpoint holds only tensors and plain containers of str/int/float/bool/None, so it can
be read with ``torch.load(weights_only=True)``, which refuses to run arbitrary pickled code.
Writes go to a temporary file in the target directory that is flushed, fsync'ed and renamed
over the target, so a crash never leaves a half-written checkpoint behind.

Example::

    save_atomic({"model": model.state_dict()}, "run/checkpoint.pt")
    state = load_safe("run/checkpoint.pt")
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from hyperprune.errors import UserError
from hyperprune.files import atomic_write


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save`` ``obj`` to ``path`` through a temp file + fsync + rename."""
    atomic_write(path, lambda fh: torch.save(obj, fh))


def load_safe(path: str | Path, map_location: str | torch.device = "cpu") -> Any:
    """Load a checkpoint with ``weights_only=True``; anything else is a one-line UserError."""
    source = Path(path)
    if not source.is_file():
        raise UserError(f"{source} does not exist; pass the path of a saved checkpoint")
    try:
        return torch.load(source, map_location=map_location, weights_only=True)
    except Exception:  # unpickling refusals, truncated archives, foreign formats
        raise UserError(f"{source} is not a hyperprune checkpoint or is damaged "
                        f"(refused to unpickle arbitrary objects)") from None


def load_safe_bytes(data: bytes) -> Any:
    """:func:`load_safe` for checkpoint bytes held in memory (e.g. returned by a Ray task)."""
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:
        raise UserError("in-memory checkpoint is damaged (refused to unpickle arbitrary objects)") from None
