"""One search per output directory, and one embedded Ray starting at a time on a host.

Both are advisory ``flock`` locks on a file: the kernel drops them when the process that holds
them ends, however it ends (SIGKILL included), so a killed driver never leaves a stale lock.

- :func:`lock_output` takes ``OUT/.search.lock`` for the life of the process; a second search (or
  ``resume``) on the same directory is refused with one line naming the holder's pid.
- :func:`withdraw_output` undoes a claim that came to nothing: a search refused before it wrote
  anything leaves neither the lock file nor the directories it made.
- :func:`embedded_start` serialises choosing a free dashboard port and starting the embedded
  Ray, so two searches started at the same moment do not pick the same port.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hyperprune.errors import UserError

LOCK_NAME = ".search.lock"
_held: dict[str, int] = {}


def lock_output(out: Path) -> None:
    """Hold ``out``'s lock until this process ends; UserError if another process holds it."""
    path = Path(out) / LOCK_NAME
    key = str(path.resolve())
    if key in _held:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise UserError(f"{out} is in use by another running search (pid {holder}); wait for it to end "
                        "or choose another --out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held[key] = fd


def release_output(out: Path) -> None:
    """Give the lock back before the process ends (tests, or a driver that runs several searches)."""
    fd = _held.pop(str((Path(out) / LOCK_NAME).resolve()), None)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def first_missing(path: Path) -> Path | None:
    """The outermost directory of ``path`` that does not exist yet (what creating it would make)."""
    path = Path(path).expanduser().resolve()
    if path.exists():
        return None
    while not path.parent.exists():
        path = path.parent
    return path


def withdraw_output(out: Path, created: Path | None) -> None:
    """Release ``out``'s lock, delete its lock file and, up to ``created`` (the outermost
    directory this search made, None: none), every directory left empty."""
    release_output(out)
    (Path(out) / LOCK_NAME).unlink(missing_ok=True)
    if created is None:
        return
    folder = Path(out).resolve()
    while True:
        try:
            folder.rmdir()
        except OSError:  # not empty (something else lives there) or already gone
            return
        if folder == created or created not in folder.parents:
            return
        folder = folder.parent


@contextlib.contextmanager
def embedded_start() -> Iterator[None]:
    """Hold the host-wide lock around choosing ports for, and starting, an embedded Ray."""
    path = Path(tempfile.gettempdir()) / f"hyperprune-ray-start-{os.getuid()}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
