"""Datasets: word-level corpora for language models, arrays for classifiers.

``DATASETS`` maps a name to a loader ``(path, seed) -> Corpus | ArrayData``; ``load_data``
resolves a :class:`~hyperprune.config.DataConfig` and caches the result per (name, path),
since every trial of a search reuses the same data.

Example::

    corpus = load_data(DataConfig(name="embedded"))
    digits = load_data(DataConfig(name="digits"))
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hyperprune.config import DataConfig
from hyperprune.data.arrays import ArrayData, load_cifar10, load_digits_data, load_mnist
from hyperprune.data.corpus import Corpus, Vocabulary, read_corpus_dir
from hyperprune.data.embedded import load_embedded
from hyperprune.errors import UserError
from hyperprune.registry import Registry


def _embedded(path: str | None) -> Corpus:
    return load_embedded()


def _ptb(path: str | None) -> Corpus:
    if path is None:
        raise UserError("dataset 'ptb' needs a directory; pass --data-path DIR (or data.path=DIR)")
    return read_corpus_dir(path)


def _digits(path: str | None) -> ArrayData:
    return load_digits_data(seed=0)


DATASETS = Registry("dataset")
DATASETS.register("embedded", _embedded)
DATASETS.register("ptb", _ptb)
DATASETS.register("digits", _digits)
DATASETS.register("mnist", load_mnist)
DATASETS.register("cifar10", load_cifar10)

LM_DATASETS = frozenset({"embedded", "ptb"})


@lru_cache(maxsize=8)
def _load_cached(name: str, path: str | None) -> Corpus | ArrayData:
    return DATASETS.get(name)(path)


def load_data(cfg: DataConfig) -> Corpus | ArrayData:
    """Load (once per process) the dataset named by ``cfg``."""
    DATASETS.get(cfg.name)  # an unknown name is a one-line error listing the valid ones
    path = str(Path(cfg.path).expanduser().resolve()) if cfg.path else None
    return _load_cached(cfg.name, path)


__all__ = ["ArrayData", "Corpus", "DATASETS", "LM_DATASETS", "Vocabulary", "load_data", "read_corpus_dir"]
