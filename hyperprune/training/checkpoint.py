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

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from hyperprune.errors import UserError


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save`` ``obj`` to ``path`` through a temp file + fsync + rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


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
