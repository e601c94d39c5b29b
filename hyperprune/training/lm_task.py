"""Language-modelling task: truncated BPTT batches, carried hidden state, perplexity.

Training walks a contiguous window of ``max_batches`` BPTT windows per epoch (the whole split
when uncapped). With a cap, the training split is cut into tiles of that many windows and each
epoch takes one tile, in a seeded order that visits every tile once per cycle, so the whole
corpus is used over the epochs. The order is a pure function of (seed, epoch): resuming needs
no generator state.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from hyperprune.config import TrainConfig
from hyperprune.data.batching import batchify, get_bptt_batch, num_bptt_batches
from hyperprune.data.corpus import Corpus
from hyperprune.errors import UserError
from hyperprune.training.seeds import derive_seed, seeded_generator

Batch = tuple[torch.Tensor, torch.Tensor]


def detach_hidden(hidden):
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)
    return hidden.detach()


def safe_exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return float("inf")


class LMTask:
    """Batches, losses and evaluation of a word-level language model on a :class:`Corpus`."""

    kind = "lm"
    metric = "val_ppl"

    def __init__(self, corpus: Corpus, cfg: TrainConfig, device: torch.device, seed: int) -> None:
        self.cfg = cfg
        self.seed = seed
        self.device = device
        self.sources = {
            "train": batchify(corpus.train, cfg.batch_size).to(device),
            "valid": batchify(corpus.valid, cfg.eval_batch_size).to(device),
            "test": batchify(corpus.test, cfg.eval_batch_size).to(device),
        }
        self.total_train = num_bptt_batches(self.sources["train"], cfg.bptt)
        if cfg.max_batches is not None and cfg.max_batches < 1:
            raise UserError(f"train.max_batches must be at least 1 (or none), got {cfg.max_batches}")
        self.steps_per_epoch = min(self.total_train, cfg.max_batches or self.total_train)

    # -- training -----------------------------------------------------------------------------
    def epoch_start(self, epoch: int) -> int:
        """First BPTT window of ``epoch`` (1-based)."""
        cap = self.steps_per_epoch
        if cap >= self.total_train:
            return 0
        tiles = math.ceil(self.total_train / cap)
        cycle, position = divmod(epoch - 1, tiles)
        order = torch.randperm(tiles, generator=seeded_generator(derive_seed(self.seed, "tiles", cycle)))
        return min(int(order[position]) * cap, self.total_train - cap)

    def train_batches(self, epoch: int) -> Iterator[Batch]:
        start = self.epoch_start(epoch)
        for index in range(start, start + self.steps_per_epoch):
            yield get_bptt_batch(self.sources["train"], index, self.cfg.bptt)

    def train_loss(self, model: nn.Module, batch: Batch, carry):
        """Loss of one batch continuing from ``carry`` (detached); returns (loss, carry, count)."""
        inputs, targets = batch
        carry = model.init_hidden(inputs.size(1)) if carry is None else detach_hidden(carry)
        logits, carry = model(inputs, carry)
        return F.cross_entropy(logits, targets), carry, targets.numel()

    # -- fixed batches for pruning methods ----------------------------------------------------
    def fixed_batches(self, split: str, n: int) -> list[Batch]:
        """``train``: the first ``n`` windows; ``heldout``: ``n`` seeded windows after the first."""
        n = max(1, min(int(n), self.total_train))
        if split == "train":
            start = 0
        elif split == "heldout":
            n = min(n, max(self.total_train - 1, 1))
            room = self.total_train - n  # admissible starts are 1..room
            gen = seeded_generator(derive_seed(self.seed, "heldout"))
            start = 1 + int(torch.randint(0, room, (1,), generator=gen)) if room >= 1 else 0
        else:
            raise UserError(f"unknown batch split {split!r}; choose train or heldout")
        return [get_bptt_batch(self.sources["train"], i, self.cfg.bptt) for i in range(start, start + n)]

    def batch_loss(self, model: nn.Module, batch: Batch) -> torch.Tensor:
        """Mean loss of one batch from a zero hidden state, in the model's current mode."""
        inputs, targets = batch
        logits, _ = model(inputs, model.init_hidden(inputs.size(1)))
        return F.cross_entropy(logits, targets)

    # -- evaluation ---------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        """Token-weighted mean loss and perplexity over ``split`` (capped by max_eval_batches)."""
        if split not in ("train", "valid", "test"):
            raise UserError(f"unknown split {split!r}; choose train, valid or test")
        source = self.sources[split]
        limit = num_bptt_batches(source, self.cfg.bptt)
        if self.cfg.max_eval_batches is not None:
            limit = min(limit, self.cfg.max_eval_batches)
        was_training = model.training
        model.eval()
        hidden = model.init_hidden(source.size(1))
        total, count = 0.0, 0
        for index in range(limit):
            inputs, targets = get_bptt_batch(source, index, self.cfg.bptt)
            logits, hidden = model(inputs, hidden)
            total += float(F.cross_entropy(logits, targets, reduction="sum"))
            count += targets.numel()
        model.train(was_training)
        loss = total / max(count, 1)
        return {"loss": loss, "ppl": safe_exp(loss)}
