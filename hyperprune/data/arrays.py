"""Classification data as in-memory arrays: sklearn digits, MNIST and CIFAR-10 from files.

Every loader returns an :class:`ArrayData` with float32 images that carry a channel
dimension (``(N, C, H, W)``, values in [0, 1]) and long labels, split into train, validation
and test. Validation sets are carved from the training data with a seeded permutation.

Nothing is downloaded: digits ships with scikit-learn, MNIST and CIFAR-10 are read from a
user-given directory. CIFAR-10's python batches are pickles, so they are read with a
restricted unpickler that only rebuilds numpy arrays and plain containers.

Example::

    data = load_digits_data(seed=0)
    print(data.x_train.shape, data.num_classes)      # (1257, 1, 8, 8) 10
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from hyperprune.errors import UserError


@dataclass
class ArrayData:
    """Train/validation/test arrays of a classification task."""

    task: ClassVar[str] = "classifier"  # the models that train on it (see hyperprune.models.TASKS)
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    input_shape: tuple[int, ...]

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        if name not in ("train", "valid", "test"):
            raise UserError(f"unknown split {name!r}; choose one of: train, valid, test")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")


def _permutation(n: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))


def _to_tensors(x: np.ndarray, y: np.ndarray, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32) / np.float32(scale))
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    return xt, yt


def _carve_validation(
    x: torch.Tensor, y: torch.Tensor, fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split a training set into (train, validation) with a seeded permutation."""
    perm = _permutation(len(x), seed)
    n_valid = max(1, int(round(len(x) * fraction)))
    valid, train = perm[:n_valid], perm[n_valid:]
    return x[train], y[train], x[valid], y[valid]


def load_digits_data(seed: int = 0) -> ArrayData:
    """scikit-learn's 1797 8x8 digit images, seeded 70/15/15 split, values in [0, 1]."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = _to_tensors(bunch.data.reshape(-1, 1, 8, 8), bunch.target, 16.0)
    perm = _permutation(len(x), seed)
    n_train = int(round(0.70 * len(x)))
    n_valid = int(round(0.15 * len(x)))
    tr, va, te = perm[:n_train], perm[n_train : n_train + n_valid], perm[n_train + n_valid :]
    return ArrayData(x[tr], y[tr], x[va], y[va], x[te], y[te], 10, (1, 8, 8))


# -- MNIST -------------------------------------------------------------------------------------
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (plain or gzip) of unsigned bytes into an array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise UserError(f"{path} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise UserError(f"{path} is truncated (incomplete IDX header)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    count = int(np.prod(shape)) if shape else 0
    if len(raw) - header != count:
        raise UserError(f"{path} is damaged: header declares {count} values, file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find_file(directory: Path, name: str) -> Path:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    expected = ", ".join(MNIST_FILES.values())
    raise UserError(f"{directory} lacks {name} (or {name}.gz); MNIST needs {expected}")


def load_mnist(path: str | Path, seed: int = 0, valid_fraction: float = 1 / 12) -> ArrayData:
    """MNIST from the four standard IDX files (plain or .gz); validation carved from train."""
    directory = _existing_dir(path, "MNIST")
    arrays = {key: read_idx(_find_file(directory, name)) for key, name in MNIST_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise UserError(f"MNIST {split} files disagree: images {images.shape}, labels {labels.shape}")
    h, w = arrays["train_images"].shape[1:]
    x, y = _to_tensors(arrays["train_images"].reshape(-1, 1, h, w), arrays["train_labels"], 255.0)
    xt, yt = _to_tensors(arrays["test_images"].reshape(-1, 1, h, w), arrays["test_labels"], 255.0)
    x_train, y_train, x_valid, y_valid = _carve_validation(x, y, valid_fraction, seed)
    return ArrayData(x_train, y_train, x_valid, y_valid, xt, yt, 10, (1, h, w))


# -- CIFAR-10 ----------------------------------------------------------------------------------
def _numpy_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _codecs_encode(text: str, encoding: str = "latin1") -> bytes:
    # Python 3 writes bytes in protocol-2 pickles as _codecs.encode(str, "latin1").
    return text.encode(encoding)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds only numpy arrays/dtypes and builtin containers; refuses the rest."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
        ("numpy", "ndarray"): lambda: np.ndarray,
        ("numpy", "dtype"): lambda: np.dtype,
        ("_codecs", "encode"): lambda: _codecs_encode,
    }

    def find_class(self, module: str, name: str):
        factory = self.ALLOWED.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}")
        return factory()


def restricted_load(path: Path) -> object:
    """Unpickle ``path`` allowing only numpy arrays and plain containers."""
    try:
        raw = path.read_bytes()
        return RestrictedUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    except Exception as exc:  # any unpickling failure means a foreign or damaged file
        raise UserError(f"{path} is not a CIFAR-10 python batch or is damaged ({exc})") from None


CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = "test_batch"


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = restricted_load(path)
    if not isinstance(batch, dict):
        raise UserError(f"{path} is not a CIFAR-10 python batch (expected a dict)")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or labels is None:
        raise UserError(f"{path} is not a CIFAR-10 python batch (needs 'data' and 'labels')")
    labels = np.asarray(labels, dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
        raise UserError(f"{path} has data of shape {data.shape}; expected (N, 3072) with N labels")
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(path: str | Path, seed: int = 0, valid_fraction: float = 0.1) -> ArrayData:
    """CIFAR-10 from the python-version batches (data_batch_1..5, test_batch)."""
    directory = _existing_dir(path, "CIFAR-10")
    if (directory / "cifar-10-batches-py").is_dir():
        directory = directory / "cifar-10-batches-py"
    names = (*CIFAR_TRAIN, CIFAR_TEST)
    missing = [n for n in names if not (directory / n).is_file()]
    if missing:
        raise UserError(f"{directory} lacks {missing[0]}; CIFAR-10 needs {', '.join(names)}")
    parts = [_cifar_batch(directory / n) for n in CIFAR_TRAIN]
    x, y = _to_tensors(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), 255.0)
    xt, yt = _to_tensors(*_cifar_batch(directory / CIFAR_TEST), 255.0)
    x_train, y_train, x_valid, y_valid = _carve_validation(x, y, valid_fraction, seed)
    return ArrayData(x_train, y_train, x_valid, y_valid, xt, yt, 10, (3, 32, 32))


def _existing_dir(path: str | Path | None, what: str) -> Path:
    if path is None:
        raise UserError(f"{what} needs a directory; pass --data-path DIR (or data.path=DIR)")
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise UserError(f"{what} directory {directory} does not exist; pass an existing --data-path")
    return directory
