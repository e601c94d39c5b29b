"""Classification task: seeded shuffled minibatches, cross-entropy and accuracy.

The shuffle of each epoch is a pure function of (seed, epoch), so a resumed run sees the same
minibatches as an uninterrupted one without storing generator state.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from hyperprune.config import TrainConfig
from hyperprune.data.arrays import ArrayData
from hyperprune.errors import UserError
from hyperprune.training.seeds import derive_seed, seeded_generator

Batch = tuple[torch.Tensor, torch.Tensor]


class ClassifierTask:
    """Batches, losses and evaluation of an image classifier on :class:`ArrayData`."""

    kind = "classifier"
    metric = "val_acc"

    def __init__(self, data: ArrayData, cfg: TrainConfig, device: torch.device, seed: int) -> None:
        self.cfg = cfg
        self.seed = seed
        self.arrays = {split: tuple(t.to(device) for t in data.split(split)) for split in ("train", "valid", "test")}
        n = len(self.arrays["train"][0])
        if cfg.batch_size < 1 or cfg.eval_batch_size < 1:
            raise UserError("train.batch_size and train.eval_batch_size must be at least 1")
        full, rest = divmod(n, cfg.batch_size)
        self.total_train = full + (1 if rest >= 2 else 0)  # a 1-sample batch breaks batch norm
        if self.total_train < 1:
            raise UserError(f"{n} training samples are too few for batch size {cfg.batch_size}")
        if cfg.max_batches is not None and cfg.max_batches < 1:
            raise UserError(f"train.max_batches must be at least 1 (or none), got {cfg.max_batches}")
        self.steps_per_epoch = min(self.total_train, cfg.max_batches or self.total_train)

    def _chunks(self, x: torch.Tensor, y: torch.Tensor, order: torch.Tensor, size: int, count: int):
        for i in range(count):
            idx = order[i * size : (i + 1) * size]
            yield x[idx], y[idx]

    def train_batches(self, epoch: int) -> Iterator[Batch]:
        x, y = self.arrays["train"]
        gen = seeded_generator(derive_seed(self.seed, "shuffle", epoch))
        order = torch.randperm(len(x), generator=gen).to(x.device)
        yield from self._chunks(x, y, order, self.cfg.batch_size, self.steps_per_epoch)

    def train_loss(self, model: nn.Module, batch: Batch, carry):
        x, y = batch
        return F.cross_entropy(model(x), y), None, y.numel()

    def fixed_batches(self, split: str, n: int) -> list[Batch]:
        """``train``: the first ``n`` batches in stored order; ``heldout``: seeded, after batch 1."""
        x, y = self.arrays["train"]
        size = self.cfg.batch_size
        n = max(1, int(n))
        if split == "train":
            order = torch.arange(len(x), device=x.device)
        elif split == "heldout":
            rest = torch.arange(size, len(x))
            if len(rest) == 0:
                rest = torch.arange(len(x))
            gen = seeded_generator(derive_seed(self.seed, "heldout"))
            order = rest[torch.randperm(len(rest), generator=gen)].to(x.device)
        else:
            raise UserError(f"unknown batch split {split!r}; choose train or heldout")
        count = min(n, max(1, len(order) // size))
        return list(self._chunks(x, y, order, size, count))

    def batch_loss(self, model: nn.Module, batch: Batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(model(x), y)

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        """Sample-weighted mean loss and accuracy over ``split`` (capped by max_eval_batches)."""
        if split not in self.arrays:
            raise UserError(f"unknown split {split!r}; choose train, valid or test")
        x, y = self.arrays[split]
        size = self.cfg.eval_batch_size
        count = -(-len(x) // size)
        if self.cfg.max_eval_batches is not None:
            count = min(count, self.cfg.max_eval_batches)
        was_training = model.training
        model.eval()
        total, correct, seen = 0.0, 0, 0
        order = torch.arange(len(x), device=x.device)
        for xb, yb in self._chunks(x, y, order, size, count):
            logits = model(xb)
            total += float(F.cross_entropy(logits, yb, reduction="sum"))
            correct += int((logits.argmax(dim=1) == yb).sum())
            seen += yb.numel()
        model.train(was_training)
        return {"loss": total / max(seen, 1), "accuracy": correct / max(seen, 1)}
