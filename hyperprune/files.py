"""Atomic file writes and strict JSON, shared by training runs and searches.

A write goes to a temporary file in the target's directory, is flushed and fsync'ed, then
renamed over the target (and the directory entry synced), so a crash or kill leaves either the
old file or the new one, never half of one.

Example::

    atomic_write("run/checkpoint.pt", lambda f: torch.save(state, f))
    write_json("run/metrics.json", {"val_loss": float("nan")})   # written as null
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write`` on a temporary binary file, then atomically replace ``path`` with it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
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


def write_bytes(path: str | Path, data: bytes) -> None:
    atomic_write(path, lambda fh: fh.write(data))


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists, numbers from tensors/arrays as Python numbers and
    non-finite floats as ``None``, so any JSON reader accepts the result."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: str | Path, value: Any) -> None:
    """Write ``value`` as indented, strict JSON, atomically."""
    text = json.dumps(jsonable(value), indent=2, allow_nan=False) + "\n"
    write_bytes(path, text.encode("utf-8"))
