"""Experiments saved by earlier layouts of the package still restore.

A saved Tune experiment pickles the searcher, scheduler and callbacks by their module paths.
Two moves changed those paths: the Ray side left ``hyperprune.search`` for ``hyperprune.tune``
(and the searcher backends, once one module ``hyperprune.search.backends``, were split), and then
the package ``hyperprune.search`` itself became ``hyperprune.searching``, leaving the name
``hyperprune.search`` to the search function. :func:`alias_previous_layout` makes the old paths
name the new modules, in the driver process only, before an experiment is restored; the package
name ``hyperprune.search`` itself is never bound, so ``hyperprune.search`` stays the function.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types

#: old module path -> new module path
MOVED_MODULES = {
    "hyperprune.search.driver": "hyperprune.tune.driver",
    "hyperprune.search.seeder": "hyperprune.tune.seeder",
    "hyperprune.search.scheduler": "hyperprune.tune.scheduler",
    "hyperprune.search.recorder": "hyperprune.tune.recorder",
    "hyperprune.search.restore": "hyperprune.tune.restore",
    "hyperprune.search.ray_session": "hyperprune.tune.session",
    "hyperprune.search.dense": "hyperprune.tune.dense_reference",
    "hyperprune.search.busy": "hyperprune.tune.busy",
    "hyperprune.search.failures": "hyperprune.tune.failures",
    "hyperprune.search.capacity": "hyperprune.tune.capacity",
    "hyperprune.search.calibrate": "hyperprune.tune.calibrate",
}

#: the classes of the former ``hyperprune.search.backends``, by where they live now
BACKEND_CLASSES = {
    "RandomBackend": "hyperprune.searching.searchers.random_search",
    "HyperoptBackend": "hyperprune.searching.searchers.hyperopt_base",
    "TPEBackend": "hyperprune.searching.searchers.tpe",
    "ATPEBackend": "hyperprune.searching.searchers.atpe",
    "OptunaBackend": "hyperprune.searching.searchers.optuna_tpe",
    "_objective": "hyperprune.searching.searchers.hyperopt_base",
}


#: renamed package -> its new name; each of its modules is aliased under the old package name
RENAMED_PACKAGES = {"hyperprune.search": "hyperprune.searching"}


def renamed_modules() -> dict[str, str]:
    """Old module path -> new module path for every module of a renamed package."""
    moved = {}
    for old_package, new_package in RENAMED_PACKAGES.items():
        package = importlib.import_module(new_package)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{new_package}."):
            moved[old_package + info.name[len(new_package) :]] = info.name
    return moved


def alias_previous_layout() -> None:
    """Let pickles that name the previous module paths load (idempotent)."""
    for old, new in renamed_modules().items():
        sys.modules.setdefault(old, importlib.import_module(new))
    for old, new in MOVED_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))
    if "hyperprune.search.backends" not in sys.modules:
        backends = types.ModuleType("hyperprune.search.backends")
        for name, module in BACKEND_CLASSES.items():
            setattr(backends, name, getattr(importlib.import_module(module), name))
        sys.modules["hyperprune.search.backends"] = backends
