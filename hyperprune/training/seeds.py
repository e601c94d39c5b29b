"""The seed tree of a run and capture/restore of every random number generator it uses.

All seeds of a run derive from one master seed by stable hashing, so a run is reproducible
from its seed alone and independent streams (model init, data order, pruning method,
dropout) do not shift when one of them consumes more random numbers.

Generator states are stored as tensors and lists only, so checkpoints stay loadable with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from hyperprune.config import stable_hash


def derive_seed(master: int, *parts: Any) -> int:
    """A 62-bit seed for the stream named by ``parts`` under ``master``."""
    return int(stable_hash([int(master), *parts], length=16), 16) % (2**62)


def seeded_generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def capture_rng(use_cuda: bool = False) -> dict[str, Any]:
    """States of torch (CPU, optionally CUDA), python ``random`` and numpy's global RNG."""
    version, internal, gauss = random.getstate()
    _, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": [version, list(internal), gauss],
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
    }
    if use_cuda and torch.cuda.is_available():
        state["cuda"] = [s.cpu() for s in torch.cuda.get_rng_state_all()]
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng`."""
    torch.set_rng_state(state["torch"].cpu())
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    npy = state["numpy"]
    np.random.set_state(("MT19937", npy["keys"].numpy().astype(np.uint32), npy["pos"],
                         npy["has_gauss"], npy["cached_gaussian"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seed torch, python ``random`` and numpy's global RNG from one integer."""
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
