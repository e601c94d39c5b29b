"""Pruning methods behind one protocol (:mod:`hyperprune.pruning.method`) and one registry."""

from hyperprune.pruning.registry import METHODS, build_method

__all__ = ["METHODS", "build_method"]
