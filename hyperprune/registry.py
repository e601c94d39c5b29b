"""A tiny name -> object registry, one per plug-in kind (methods, searchers, models, datasets).

Entries may be registered eagerly (the object itself) or lazily as ``"module:attribute"`` so
that heavy imports (Ray, hyperopt) only happen when the entry is used.

Example::

    MODELS = Registry("model")
    MODELS.register("lstm", "hyperprune.models.language:RNNLanguageModel")
    cls = MODELS.get("lstm")
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from hyperprune.errors import UserError


def resolve(ref: str) -> Any:
    """The object a ``"module:attribute"`` reference names (imported on first use)."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def names_of(source: Any) -> list[str]:
    """The names a registry, a mapping, a sequence or a function returning names offers."""
    if isinstance(source, str):
        source = resolve(source)
    if isinstance(source, Registry):
        return source.names()
    if callable(source):
        return list(source())
    return list(source)


class Registry:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Any] = {}

    def register(self, name: str, obj: Any = None) -> Any:
        """Register ``obj`` under ``name``; without ``obj`` works as a class decorator."""
        if obj is None:

            def decorator(target: Callable) -> Callable:
                self.register(name, target)
                return target

            return decorator
        if name in self._entries and self._entries[name] is not obj:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        self._entries[name] = obj
        return obj

    def get(self, name: str) -> Any:
        if name not in self._entries:
            valid = ", ".join(sorted(self._entries))
            raise UserError(f"unknown {self.kind} {name!r}; choose one of: {valid}")
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = resolve(entry)
            self._entries[name] = entry
        return entry

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> dict[str, Any]:
        """Every (name, entry) with lazy entries resolved, sorted by name."""
        return {name: self.get(name) for name in self.names()}

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
