"""A searcher pickled under the module paths of earlier layouts loads after the moves."""

import pickle
import sys

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.searchers.tpe import TPEBackend
from hyperprune.searching.space import load_space
from hyperprune.tune import previous_layout
from hyperprune.tune.seeder import PoolSeeder


def _pickled_under_old_paths(obj, moved: dict) -> bytes:
    """Pickle ``obj`` as an earlier layout did: the classes of ``moved`` named by their old modules."""
    saved = {cls: cls.__module__ for cls in moved}
    try:
        for cls, old in moved.items():
            cls.__module__ = old
            sys.modules[old] = sys.modules[saved[cls]]
        return pickle.dumps(obj)
    finally:
        for cls, module in saved.items():
            cls.__module__ = module
        for old in moved.values():
            sys.modules.pop(old, None)


def _loaded_with_aliases(blob: bytes):
    previous_layout.alias_previous_layout()
    try:
        return pickle.loads(blob)
    finally:
        old_names = [
            *previous_layout.MOVED_MODULES,
            *previous_layout.renamed_modules(),
            "hyperprune.search.backends",
        ]
        for old in old_names:
            sys.modules.pop(old, None)


def test_seeder_saved_by_previous_layout_restores():
    backend = SEARCHERS.get("tpe")(load_space("reference"), seed=3, startup=2)
    seeder = PoolSeeder(
        backend, max_evals=4, concurrency=2, e0=1, sparsity=0.67, seed=3, metric_key="val_loss"
    )
    token, proposal = seeder.backend.ask()
    blob = _pickled_under_old_paths(
        seeder, {PoolSeeder: "hyperprune.search.seeder", TPEBackend: "hyperprune.search.backends"}
    )
    assert b"hyperprune.search.seeder" in blob and b"hyperprune.search.backends" in blob
    restored = _loaded_with_aliases(blob)
    assert type(restored) is PoolSeeder and type(restored.backend) is TPEBackend
    assert restored.backend.next_id == seeder.backend.next_id
    assert restored.backend.ask()[1] == seeder.backend.ask()[1]  # the same next proposal


def test_searcher_saved_before_the_package_rename_restores():
    """The backend and its space named by ``hyperprune.search.*``; ``hyperprune.search`` stays the
    search function after the old names were aliased."""
    backend = SEARCHERS.get("tpe")(load_space("reference"), seed=5, startup=2)
    backend.ask()
    blob = _pickled_under_old_paths(
        backend,
        {TPEBackend: "hyperprune.search.searchers.tpe", type(backend.space): "hyperprune.search.space"},
    )
    assert b"hyperprune.search.searchers.tpe" in blob and b"hyperprune.search.space" in blob
    restored = _loaded_with_aliases(blob)
    assert type(restored) is TPEBackend and type(restored.space) is type(backend.space)
    assert restored.ask()[1] == backend.ask()[1]
    import hyperprune
    from hyperprune.api import search

    assert hyperprune.search is search
