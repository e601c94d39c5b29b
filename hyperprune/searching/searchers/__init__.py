"""Ask/tell optimisers that propose candidates, one file each: hyperopt TPE and ATPE, Optuna TPE, random.

Each backend proposes a candidate as ``(token, {"method": ..., "hparams": {...}})`` with
``ask()`` and learns its score (lower is better) with ``tell(token, score)``. Backends are
plain, picklable objects so that Ray can save them with the experiment and a resumed search
continues the same sequence of proposals. They are registered lazily: hyperopt and Optuna are
imported only by the backend that uses them.

Example::

    backend = SEARCHERS.get("tpe")(space, seed=0, startup=4)
    token, candidate = backend.ask()
    backend.tell(token, 123.4)
"""

from __future__ import annotations

from hyperprune.registry import Registry

SEARCHERS = Registry("searcher")
SEARCHERS.register("random", "hyperprune.searching.searchers.random_search:RandomBackend")
SEARCHERS.register("tpe", "hyperprune.searching.searchers.tpe:TPEBackend")
SEARCHERS.register("atpe", "hyperprune.searching.searchers.atpe:ATPEBackend")
SEARCHERS.register("optuna", "hyperprune.searching.searchers.optuna_tpe:OptunaBackend")
