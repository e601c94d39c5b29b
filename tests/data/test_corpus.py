"""Corpus reading in both layouts, the embedded PTB corpus and one-line errors."""

from pathlib import Path

import pytest
import torch

from hyperprune.config import DataConfig
from hyperprune.data import load_data
from hyperprune.data.corpus import read_corpus_dir
from hyperprune.data.embedded import build_embedded, load_embedded
from hyperprune.errors import UserError


def _write(directory, names, texts):
    for name, text in zip(names, texts, strict=True):
        (directory / name).write_text(text)


@pytest.mark.parametrize("names", [("train.txt", "valid.txt", "test.txt"),
                                   ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt")])
def test_both_layouts(tmp_path, names):
    _write(tmp_path, names, ["a b c\nb a\n", "c d\n", "\ne a\n"])
    corpus = read_corpus_dir(tmp_path)
    # the vocabulary is the training text's; unseen words of valid/test read as <unk>
    assert corpus.vocab.idx2word == ["a", "b", "c", "<eos>", "<unk>"]
    assert corpus.train.tolist() == [0, 1, 2, 3, 1, 0, 3]
    assert corpus.valid.tolist() == [2, 4, 3]
    assert corpus.test.tolist() == [4, 0, 3]  # blank lines are skipped
    assert corpus.train.dtype == torch.long and len(corpus.vocab) == 5


def test_missing_directory_and_files(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_corpus_dir(tmp_path / "nope")
    (tmp_path / "train.txt").write_text("a\n")
    with pytest.raises(UserError, match="ptb.train.txt/ptb.valid.txt/ptb.test.txt") as info:
        read_corpus_dir(tmp_path)
    assert "\n" not in str(info.value)


def test_empty_split(tmp_path):
    _write(tmp_path, ("train.txt", "valid.txt", "test.txt"), ["a b\n", "  \n", "a\n"])
    with pytest.raises(UserError, match="valid split is empty"):
        read_corpus_dir(tmp_path)


def test_embedded_real_counts():
    corpus = load_embedded()
    assert corpus.train.numel() == 82430  # ptb.test.txt with <eos>
    assert corpus.valid.numel() + corpus.test.numel() == 73760  # ptb.valid.txt
    assert len(corpus.vocab) <= 10000
    assert corpus.vocab.idx2word[int(corpus.train[0])] == "no"


# the real Penn Treebank files the embedded corpus is built from, beside the repository
PTB_SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ptb"


@pytest.mark.skipif(not (PTB_SOURCE / "ptb.valid.txt").is_file(), reason="source PTB files not beside the repo")
def test_build_embedded_is_deterministic(tmp_path):
    counts = build_embedded(str(PTB_SOURCE), tmp_path)
    assert counts == {"train": 3761, "valid": 1685, "test": 1685}
    from hyperprune.data.embedded import EMBEDDED_DIR

    for name in ("train", "valid", "test"):
        assert (tmp_path / f"{name}.txt.gz").read_bytes() == (EMBEDDED_DIR / f"{name}.txt.gz").read_bytes()


def test_load_data_ptb_needs_path_and_caches(tmp_path):
    with pytest.raises(UserError, match="needs a directory"):
        load_data(DataConfig(name="ptb"))
    with pytest.raises(UserError, match="unknown dataset"):
        load_data(DataConfig(name="imagenet"))
    _write(tmp_path, ("train.txt", "valid.txt", "test.txt"), ["a b\n", "a\n", "b\n"])
    first = load_data(DataConfig(name="ptb", path=str(tmp_path)))
    assert load_data(DataConfig(name="ptb", path=str(tmp_path))) is first
