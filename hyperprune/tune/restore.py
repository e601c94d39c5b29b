"""Make a Tune experiment directory safe to restore after its driver was killed.

Tune writes the experiment snapshot (``experiment_state-S.json``, ``searcher-state-S.pkl``,
``callback-states-S.pkl``, ``search_gen_state-S.json``; ``S`` is the driver run's start time)
into a staging directory under the Ray session directory, each file atomically, and then copies
that directory into the storage path in a background thread, file by file and not atomically. A
driver killed during that copy leaves empty or truncated files, or a mix of new and old ones,
in the storage path; Tune then fails to restore ("Failed to restore the run state") and starts
the experiment over.

:func:`repair_experiment` runs before ``Tuner.restore``: when the killed driver's staging copy
of the newest snapshot is still on this machine, that complete copy replaces the one in the
storage path (the staging copy is recognised by a file it shares, byte for byte, with the
intact part of the damaged snapshot); otherwise a newest snapshot with an unreadable file is
set aside so Tune takes the previous complete one. If none is left, the experiment cannot be
restored and the search starts again (see ``Search._start_over``).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

PATTERNS = ("experiment_state-{}.json", "searcher-state-{}.pkl", "callback-states-{}.pkl",
            "search_gen_state-{}.json")
_PREFIX, _SUFFIX = "experiment_state-", ".json"


def _stamps(folder: Path) -> list[str]:
    names = (p.name for p in folder.glob(f"{_PREFIX}*{_SUFFIX}"))
    return sorted(n[len(_PREFIX):-len(_SUFFIX)] for n in names)


def _readable(path: Path) -> bool:
    try:
        if path.stat().st_size == 0:
            return False
        if path.name.startswith(_PREFIX):  # search_gen_state-*.json is a pickle despite its name
            json.loads(path.read_text())
        else:
            import ray.cloudpickle as cloudpickle

            with open(path, "rb") as f:
                cloudpickle.load(f)
    except Exception:  # any failure to read back means the file is damaged
        return False
    return True


def _snapshot(folder: Path, stamp: str) -> list[Path]:
    return [folder / p.format(stamp) for p in PATTERNS if (folder / p.format(stamp)).exists()]


def _complete(folder: Path, stamp: str) -> bool:
    files = _snapshot(folder, stamp)
    return (folder / PATTERNS[0].format(stamp)) in files and all(_readable(f) for f in files)


def _ray_temp_dir() -> Path:
    return Path(os.environ.get("RAY_TMPDIR") or tempfile.gettempdir()) / "ray"


def _same_run(staged: Path, experiment: Path, stamp: str) -> bool:
    """Whether a staging folder holds this experiment's snapshot ``stamp``: some file of the
    snapshot that survived intact in the storage path has exactly the staged bytes (the states
    name the run's random trial ids, so two experiments never share them)."""
    for source in _snapshot(staged, stamp):
        target = experiment / source.name
        if _readable(target) and target.read_bytes() == source.read_bytes():
            return True
    return False


def _staged_copy(experiment: Path, stamp: str) -> Path | None:
    """The staging folder on this machine that holds a complete snapshot ``stamp`` of ``experiment``."""
    name = PATTERNS[0].format(stamp)
    pattern = str(_ray_temp_dir() / "session_*" / "artifacts" / "*" / experiment.name / "driver_artifacts" / name)
    for state in sorted(glob.glob(pattern), key=os.path.getmtime, reverse=True):
        folder = Path(state).parent
        if _complete(folder, stamp) and _same_run(folder, experiment, stamp):
            return folder
    return None


def _copy_atomic(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def repair_experiment(experiment: str | Path, log: Callable[[str], None] = print) -> bool:
    """Leave ``experiment`` with a complete newest snapshot (see the module docstring).

    Returns False when no complete snapshot is left (the driver died before Tune first saved
    one intact): the experiment cannot be restored and must start again.
    """
    folder = Path(experiment)
    if not folder.is_dir():
        return False
    while True:
        stamps = _stamps(folder)
        if not stamps:
            return False
        newest = stamps[-1]
        staged = _staged_copy(folder.resolve(), newest)
        if staged is not None:
            for source in _snapshot(staged, newest):
                target = folder / source.name
                if not target.exists() or source.read_bytes() != target.read_bytes():
                    _copy_atomic(source, target)
            return True
        if _complete(folder, newest):
            return True
        aside = folder / "damaged-snapshots"
        aside.mkdir(exist_ok=True)
        for path in _snapshot(folder, newest):
            os.replace(path, aside / path.name)
        log(f"the experiment snapshot of {newest} in {folder} is damaged; continuing from the one before")
