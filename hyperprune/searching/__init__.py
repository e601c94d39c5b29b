"""The search: options, pool, halving schedule and results; and, called, a whole search.

This package module is itself callable: ``hyperprune.search(options, **overrides)`` runs a
search and returns its :class:`~hyperprune.search_result.SearchResult` (see
:func:`hyperprune.api.search`). A plain function named ``search`` on the top-level package would
be replaced by this subpackage the moment anything imports ``hyperprune.searching.<module>``, since
importing a submodule sets it as an attribute of its parent; making the module object callable
(its class is set to :class:`_CallableSearch`, a ``types.ModuleType`` subclass, which Python
allows for modules) keeps ``hyperprune.search(...)`` working in every import order. Importing
it stays light: the search's own modules are imported only when it is called.
"""

from __future__ import annotations

import sys
import types


class _CallableSearch(types.ModuleType):
    def __call__(self, options=None, **overrides):
        """Run a search: :func:`hyperprune.api.search`."""
        from hyperprune.api import search

        return search(options, **overrides)


sys.modules[__name__].__class__ = _CallableSearch
