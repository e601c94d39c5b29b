"""Atomic saves and the safe loader: malicious, truncated and foreign files are refused."""

import os
import pickle

import pytest
import torch

from hyperprune.errors import UserError
from hyperprune.training.checkpoint import load_safe, save_atomic


class _Planted:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_roundtrip_and_no_leftovers(tmp_path):
    state = {"w": torch.arange(4.0), "meta": {"epoch": 3, "name": "x", "ok": True, "none": None},
             "rng": [3, [1, 2, 3], None]}
    save_atomic(state, tmp_path / "sub" / "ckpt.pt")
    assert os.listdir(tmp_path / "sub") == ["ckpt.pt"]
    loaded = load_safe(tmp_path / "sub" / "ckpt.pt")
    assert torch.equal(loaded["w"], state["w"]) and loaded["meta"] == state["meta"]
    assert loaded["rng"] == state["rng"]


def test_failed_save_keeps_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_atomic({"v": torch.ones(2)}, path)
    with pytest.raises(Exception):  # noqa: B017 - any pickling failure
        save_atomic({"bad": lambda: 0}, path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    assert torch.equal(load_safe(path)["v"], torch.ones(2))


@pytest.mark.parametrize("writer", ["raw_pickle", "torch_save"])
def test_refuses_malicious_pickle(tmp_path, writer):
    target = tmp_path / "created_by_unpickling"
    path = tmp_path / "evil.pt"
    if writer == "raw_pickle":
        path.write_bytes(pickle.dumps({"model": _Planted(str(target))}))
    else:
        torch.save({"model": _Planted(str(target))}, path)
    assert not target.exists()
    with pytest.raises(UserError, match="not a hyperprune checkpoint or is damaged") as info:
        load_safe(path)
    assert "\n" not in str(info.value)
    assert not target.exists()


def test_refuses_truncated_and_missing(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_atomic({"w": torch.randn(100)}, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(UserError, match="damaged"):
        load_safe(path)
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(UserError, match="damaged"):
        load_safe(tmp_path / "text.pt")
    with pytest.raises(UserError, match="does not exist"):
        load_safe(tmp_path / "missing.pt")
