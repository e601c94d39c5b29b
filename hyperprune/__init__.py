"""hyperprune: find the best pruned variant of a neural network by hyperparameter search.

Candidates (a pruning method plus its hyperparameters) are trained briefly, ranked early by
the Lyapunov-spectrum distance to the dense network (or by validation loss), and the worse
half is excluded round by round on Ray Tune; the finalists are trained fully.

The Python API (:mod:`hyperprune.api`)::

    import hyperprune

    result = hyperprune.search(hyperprune.SearchOptions(max_evals=8), out="runs/x")
    result.winner, result.pool                 # a dict and a pandas DataFrame
    hyperprune.resume("runs/x")                # continue an interrupted search
    hyperprune.load_pool("runs/x")             # any search's pool, as a DataFrame

``hyperprune.search`` is the plain function :func:`hyperprune.api.search`; the parts of a search
(options, pool, halving schedule, searchers) live in :mod:`hyperprune.searching`. Importing
``hyperprune`` imports neither torch nor Ray; the names below are imported when first used.
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "search": "hyperprune.api",
    "SearchOptions": "hyperprune.searching.options",
    "CalibrateOptions": "hyperprune.searching.calibrate_options",
    "SearchResult": "hyperprune.search_result",
    "UserError": "hyperprune.errors",
    "resume": "hyperprune.api",
    "load_result": "hyperprune.api",
    "load_pool": "hyperprune.api",
    "calibrate": "hyperprune.api",
    "lyapunov_spectrum": "hyperprune.lyapunov.spectrum",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'hyperprune' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
