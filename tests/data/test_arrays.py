"""Array datasets: digits from scikit-learn, MNIST idx files, CIFAR-10 pickles (safely)."""

import gzip
import pickle
import struct

import numpy as np
import pytest

from hyperprune.config import DataConfig
from hyperprune.data import load_data
from hyperprune.data.arrays import MNIST_FILES, load_cifar10, load_digits_data, load_mnist
from hyperprune.errors import UserError


def test_digits_split():
    data = load_digits_data(seed=0)
    sizes = (len(data.x_train), len(data.x_valid), len(data.x_test))
    assert sum(sizes) == 1797 and sizes == (1258, 270, 269)
    assert data.x_train.shape[1:] == (1, 8, 8) and data.input_shape == (1, 8, 8)
    assert float(data.x_train.min()) == 0.0 and float(data.x_train.max()) == 1.0
    assert data.num_classes == 10 and int(data.y_train.max()) == 9
    assert load_data(DataConfig(name="digits")).x_train.shape == data.x_train.shape


def _idx(path, array, compress):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(raw))
    else:
        path.write_bytes(raw)


def test_mnist_idx(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (24, 28, 28)), "train_labels": rng.integers(0, 10, 24),
        "test_images": rng.integers(0, 256, (6, 28, 28)), "test_labels": rng.integers(0, 10, 6),
    }
    for i, (key, name) in enumerate(MNIST_FILES.items()):
        _idx(tmp_path / name, arrays[key], compress=bool(i % 2))
    data = load_mnist(tmp_path)
    assert (len(data.x_train), len(data.x_valid), len(data.x_test)) == (22, 2, 6)
    assert data.input_shape == (1, 28, 28)
    assert np.allclose(data.x_test[0, 0].numpy() * 255, arrays["test_images"][0])
    (tmp_path / MNIST_FILES["test_labels"]).with_suffix("").unlink(missing_ok=True)
    (tmp_path / (MNIST_FILES["test_labels"] + ".gz")).unlink(missing_ok=True)
    with pytest.raises(UserError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def _cifar_batch(path, n, seed):
    rng = np.random.default_rng(seed)
    batch = {b"batch_label": b"x", b"labels": rng.integers(0, 10, n).tolist(),
             b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8), b"filenames": [b"a"] * n}
    path.write_bytes(pickle.dumps(batch, protocol=2))


class _Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_cifar_restricted_unpickler(tmp_path):
    for i in range(1, 6):
        _cifar_batch(tmp_path / f"data_batch_{i}", 4, i)
    _cifar_batch(tmp_path / "test_batch", 3, 9)
    data = load_cifar10(tmp_path)
    assert (len(data.x_train), len(data.x_valid), len(data.x_test)) == (18, 2, 3)
    assert data.x_train.shape[1:] == (3, 32, 32)
    target = tmp_path / "pwned"
    (tmp_path / "data_batch_3").write_bytes(pickle.dumps({b"data": _Evil(str(target))}, protocol=2))
    with pytest.raises(UserError, match="refused to load"):
        load_cifar10(tmp_path)
    assert not target.exists()


def test_missing_path_is_one_line():
    with pytest.raises(UserError, match="--data-path") as info:
        load_data(DataConfig(name="mnist"))
    assert "\n" not in str(info.value)
    with pytest.raises(UserError, match="does not exist"):
        load_data(DataConfig(name="cifar10", path="/nonexistent/cifar"))
