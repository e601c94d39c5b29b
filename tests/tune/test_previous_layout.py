"""A searcher pickled under the module paths of the previous layout loads after the move."""

import pickle
import sys

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.searchers.tpe import TPEBackend
from hyperprune.searching.space import load_space
from hyperprune.tune import previous_layout
from hyperprune.tune.seeder import PoolSeeder


def _pickled_under_old_paths(obj) -> bytes:
    """Pickle ``obj`` as the previous layout did: its classes named by their old modules."""
    moved = {PoolSeeder: "hyperprune.search.seeder", TPEBackend: "hyperprune.search.backends"}
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


def test_seeder_saved_by_previous_layout_restores():
    backend = SEARCHERS.get("tpe")(load_space("reference"), seed=3, startup=2)
    seeder = PoolSeeder(backend, max_evals=4, concurrency=2, e0=1, sparsity=0.67, seed=3, metric_key="val_loss")
    token, proposal = seeder.backend.ask()
    blob = _pickled_under_old_paths(seeder)
    assert b"hyperprune.search.seeder" in blob and b"hyperprune.search.backends" in blob
    previous_layout.alias_previous_layout()
    try:
        restored = pickle.loads(blob)
    finally:
        for old in [*previous_layout.MOVED_MODULES, "hyperprune.search.backends"]:
            sys.modules.pop(old, None)
    assert type(restored) is PoolSeeder and type(restored.backend) is TPEBackend
    assert restored.backend.next_id == seeder.backend.next_id
    assert restored.backend.ask()[1] == seeder.backend.ask()[1]  # the same next proposal
