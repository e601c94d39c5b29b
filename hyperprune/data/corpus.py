"""Word-level language-modelling corpora in the Penn Treebank layout.

A corpus directory holds either ``train.txt``/``valid.txt``/``test.txt`` or
``ptb.train.txt``/``ptb.valid.txt``/``ptb.test.txt``. Every line is split on whitespace and
ends with an ``<eos>`` token; the vocabulary is built in first-seen order over the training
text, so that token ids are reproducible, and a word of the validation or test text that never
occurs in training is read as ``<unk>`` (the standard PTB files need no such mapping: every
word of theirs occurs in training). A vocabulary entry the training text never shows would be
an embedding row and decoder output no gradient ever reaches: weights that can never learn,
which would also read as pruned to a count of zero weights.

Example::

    corpus = read_corpus_dir("~/data/ptb")
    print(len(corpus.vocab), corpus.train.shape)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import torch

from hyperprune.errors import UserError

EOS = "<eos>"
UNK = "<unk>"
SPLITS = ("train", "valid", "test")
LAYOUTS = (
    {"train": "train.txt", "valid": "valid.txt", "test": "test.txt"},
    {"train": "ptb.train.txt", "valid": "ptb.valid.txt", "test": "ptb.test.txt"},
)


@dataclass
class Vocabulary:
    """Word <-> id mapping; ids are assigned in first-seen order."""

    word2idx: dict[str, int] = field(default_factory=dict)
    idx2word: list[str] = field(default_factory=list)

    def add(self, word: str) -> int:
        idx = self.word2idx.get(word)
        if idx is None:
            idx = len(self.idx2word)
            self.word2idx[word] = idx
            self.idx2word.append(word)
        return idx

    def __len__(self) -> int:
        return len(self.idx2word)


@dataclass
class Corpus:
    """A vocabulary and the three splits as 1-D LongTensors of token ids."""

    task: ClassVar[str] = "lm"  # the models that train on it (see hyperprune.models.TASKS)
    vocab: Vocabulary
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor

    def split(self, name: str) -> torch.Tensor:
        if name not in SPLITS:
            raise UserError(f"unknown split {name!r}; choose one of: {', '.join(SPLITS)}")
        return getattr(self, name)


def tokenize_lines(lines: Iterable[str], vocab: Vocabulary, grow: bool = True) -> torch.Tensor:
    """Token ids of ``lines`` (each line's words plus ``<eos>``); with ``grow`` new words join
    ``vocab``, without it they are read as ``<unk>``."""
    ids: list[int] = []
    for line in lines:
        for word in line.split():
            if not grow and word not in vocab.word2idx:
                word = UNK
            ids.append(vocab.add(word))
        ids.append(vocab.add(EOS))
    return torch.tensor(ids, dtype=torch.long)


def corpus_from_lines(splits: dict[str, list[str]], where: str = "corpus") -> Corpus:
    """Build a :class:`Corpus` from the text lines of each split (train, valid, test)."""
    vocab = Vocabulary()
    tensors = {}
    for name in SPLITS:
        lines = [line for line in splits[name] if line.strip()]
        if not lines:
            raise UserError(f"{where}: the {name} split is empty; it needs at least one line of text")
        tensors[name] = tokenize_lines(lines, vocab, grow=name == "train")
    return Corpus(vocab, tensors["train"], tensors["valid"], tensors["test"])


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text; a corpus file must be plain text") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def find_layout(directory: Path) -> dict[str, Path]:
    """The split files of ``directory`` in one of the supported layouts."""
    for layout in LAYOUTS:
        paths = {split: directory / name for split, name in layout.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    expected = " or ".join("/".join(layout.values()) for layout in LAYOUTS)
    raise UserError(f"{directory} has no corpus files; expected {expected}")


def read_corpus_dir(path: str | Path) -> Corpus:
    """Read a word-level corpus directory (either standard layout)."""
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise UserError(f"corpus directory {directory} does not exist; pass a directory holding "
                        f"train.txt/valid.txt/test.txt or ptb.train.txt/ptb.valid.txt/ptb.test.txt")
    paths = find_layout(directory)
    return corpus_from_lines({split: _read_lines(p) for split, p in paths.items()}, where=str(directory))
