"""Datasets: word-level corpora for language models, arrays for classifiers.

Each :data:`DATASETS` entry is a :class:`Dataset`: the type it loads (whose ``task`` says which
models train on it), its loader ``path -> Corpus | ArrayData`` and whether it needs a
directory (``--data-path``). ``load_data`` resolves a :class:`~hyperprune.config.DataConfig`
and caches the result per (name, path), since every trial of a search reuses the same data.

Example::

    corpus = load_data(DataConfig(name="embedded"))
    digits = load_data(DataConfig(name="digits"))
    DATASETS.get("ptb").needs_path          # True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hyperprune.config import DataConfig
from hyperprune.data.arrays import ArrayData, load_cifar10, load_digits_data, load_mnist
from hyperprune.data.corpus import Corpus, Vocabulary, read_corpus_dir
from hyperprune.data.embedded import load_embedded
from hyperprune.errors import UserError
from hyperprune.registry import Registry


@dataclass(frozen=True)
class Dataset:
    type: type  # Corpus or ArrayData
    load: Callable[[str | None], Corpus | ArrayData]
    needs_path: bool = False  # read from a directory the user gives with --data-path

    @property
    def task(self) -> str:
        return self.type.task


DATASETS = Registry("dataset")
DATASETS.register("embedded", Dataset(Corpus, lambda path: load_embedded()))
DATASETS.register("ptb", Dataset(Corpus, read_corpus_dir, needs_path=True))
DATASETS.register("digits", Dataset(ArrayData, lambda path: load_digits_data(seed=0)))
DATASETS.register("mnist", Dataset(ArrayData, load_mnist, needs_path=True))
DATASETS.register("cifar10", Dataset(ArrayData, load_cifar10, needs_path=True))


def dataset_names(task: str | None = None) -> list[str]:
    """The registered datasets, or those for one task (``"lm"``, ``"classifier"``)."""
    return [name for name, entry in DATASETS.entries().items() if task is None or entry.task == task]


def check_data_path(name: str, path: str | None) -> None:
    """A dataset read from a directory needs one: otherwise a one-line error naming the flag."""
    if DATASETS.get(name).needs_path and not path:
        raise UserError(f"dataset {name!r} needs a directory; pass --data-path DIR (or data.path=DIR)")


@lru_cache(maxsize=8)
def _load_cached(name: str, path: str | None) -> Corpus | ArrayData:
    return DATASETS.get(name).load(path)


def load_data(cfg: DataConfig) -> Corpus | ArrayData:
    """Load (once per process) the dataset named by ``cfg``."""
    check_data_path(cfg.name, cfg.path)  # an unknown name is a one-line error listing the valid ones
    path = str(Path(cfg.path).expanduser().resolve()) if cfg.path else None
    return _load_cached(cfg.name, path)


__all__ = ["DATASETS", "ArrayData", "Corpus", "Dataset", "Vocabulary", "check_data_path", "dataset_names",
           "load_data", "read_corpus_dir"]
