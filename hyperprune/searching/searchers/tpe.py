"""hyperopt's Tree-structured Parzen Estimator (the paper's seeding searcher)."""

from __future__ import annotations

from hyperprune.searching.searchers.hyperopt_base import HyperoptBackend


class TPEBackend(HyperoptBackend):
    algorithm = "tpe"
