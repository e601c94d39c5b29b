"""The default corpus shipped with the package: real Penn Treebank text, compressed.

Only the PTB validation and test files are available offline, so the embedded corpus trains
on ``ptb.test.txt`` (82,430 tokens) and splits ``ptb.valid.txt`` by lines: the first half is
the validation split, the second half the test split. The files are gzip-compressed with
``mtime=0`` so that rebuilding them gives byte-identical output.

Example::

    build_embedded("PTB_DIR", "hyperprune/data/embedded")   # maintainers only
    corpus = load_embedded()
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from hyperprune.data.corpus import Corpus, corpus_from_lines
from hyperprune.errors import UserError

EMBEDDED_DIR = Path(__file__).resolve().parent / "embedded"


def _write_gz(path: Path, text: str) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def build_embedded(source_dir: str | Path, target_dir: str | Path = EMBEDDED_DIR) -> dict[str, int]:
    """Regenerate ``{train,valid,test}.txt.gz`` from the real PTB files; returns line counts."""
    source = Path(source_dir)
    files = {name: source / f"ptb.{name}.txt" for name in ("valid", "test")}
    for path in files.values():
        if not path.is_file():
            raise UserError(f"{path} not found; the source directory needs ptb.valid.txt and ptb.test.txt")
    valid_lines = files["valid"].read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(valid_lines) // 2
    parts = {
        "train": files["test"].read_text(encoding="utf-8"),
        "valid": "".join(valid_lines[:half]),
        "test": "".join(valid_lines[half:]),
    }
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    for name, text in parts.items():
        _write_gz(target / f"{name}.txt.gz", text)
    return {name: len(text.splitlines()) for name, text in parts.items()}


def load_embedded(directory: str | Path = EMBEDDED_DIR) -> Corpus:
    """The embedded corpus as a :class:`Corpus` (about 82k training tokens)."""
    directory = Path(directory)
    splits = {}
    for name in ("train", "valid", "test"):
        path = directory / f"{name}.txt.gz"
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                splits[name] = fh.read().splitlines()
        except (OSError, EOFError) as exc:
            raise UserError(f"embedded corpus file {path} is missing or damaged ({exc}); "
                            f"reinstall hyperprune") from None
    return corpus_from_lines(splits, where="embedded corpus")
