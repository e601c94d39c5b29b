"""The files a finished run is deployed from, written while the run is in memory.

``weights.pt`` (the masked model's plain ``state_dict``, averaged weights under NT-ASGD),
``sparsity.json`` (per-layer sparsity) and, for structured pruning, the compacted ``model.pt``
with its ``export.json``. A finalist writes them beside its last checkpoint; the search then
copies the winner's into ``OUT/winner`` instead of building the run a second time from its
checkpoint (which would cost the driver a model, a corpus and an optimizer at the end of the
search).

Example::

    write_deployable(run, "checkpoint_000005")                # in the finalist's worker
    report = copy_deployable("checkpoint_000005", "out/winner")  # None: an older checkpoint without them
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hyperprune.files import atomic_write, write_json

WEIGHTS, SPARSITY = "weights.pt", "sparsity.json"
#: every file :func:`write_deployable` may write (the last two for structured runs only)
FILES = (WEIGHTS, SPARSITY, "model.pt", "export.json")


def write_deployable(run, directory: str | Path) -> dict:
    """Write the run's deployable files into ``directory``; its per-layer sparsity report."""
    from hyperprune.export import export_if_structured

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    run.save_weights(directory / WEIGHTS)
    report = run.sparsity_report()
    write_json(directory / SPARSITY, report)
    export_if_structured(run, directory)
    return report


def copy_deployable(source: str | Path, target: str | Path) -> dict | None:
    """Copy the deployable files :func:`write_deployable` wrote in ``source`` into ``target``
    (each file replaced atomically); the sparsity report, or None when ``source`` holds none."""
    source, target = Path(source), Path(target)
    if not (source / WEIGHTS).is_file() or not (source / SPARSITY).is_file():
        return None
    for name in FILES:
        if (source / name).is_file():
            with open(source / name, "rb") as original:
                atomic_write(target / name, lambda fh, original=original: shutil.copyfileobj(original, fh))
    return json.loads((target / SPARSITY).read_text())
