"""Shared helpers for pruning tests: a hand-built training context around a small LSTM LM.

``hand_context(...)`` returns a :class:`PruneContext` for a 2-layer LSTM language model on
random tokens; ``run_hooks(method, ctx, epochs)`` runs the trainer's hook order (see
``hyperprune.pruning.core.method``) and calls ``check`` after every step.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from hyperprune.config import ModelConfig
from hyperprune.models.language import RNNLanguageModel
from hyperprune.pruning.core.method import PruneContext

torch.set_num_threads(1)

VOCAB = 40
SEQ, BATCH = 6, 4


def _lm_loss(model, batch):
    tokens, targets = batch
    logits, _ = model(tokens)
    return F.cross_entropy(logits, targets.reshape(-1))


def _random_batches(count: int, generator: torch.Generator) -> list:
    return [(torch.randint(0, VOCAB, (SEQ, BATCH), generator=generator),
             torch.randint(0, VOCAB, (SEQ, BATCH), generator=generator)) for _ in range(count)]


def build_context(seed: int = 0, total_epochs: int = 3, steps_per_epoch: int = 4, momentum: float = 0.0,
                  kind: str = "lstm", hidden: int = 12, emb: int = 10, lr: float = 0.5,
                  heldout: int | None = None) -> PruneContext:
    """``heldout``: how many batches of its own the held-out split has (drawn after the training
    batches); by default it is the training batches."""
    torch.manual_seed(seed)
    cfg = ModelConfig(kind=kind, emb_size=emb, hidden_size=hidden, num_layers=2,
                      dropout=0.0, dropout_h=0.0, dropout_i=0.0)
    model = RNNLanguageModel(VOCAB, cfg)
    data_gen = torch.Generator().manual_seed(seed + 1)
    train = _random_batches(steps_per_epoch, data_gen)
    splits = {"train": train, "heldout": train if heldout is None else _random_batches(heldout, data_gen)}

    def make_optimizer():
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)

    def evaluate(m, batches):
        with torch.no_grad():
            return float(sum(_lm_loss(m, b) for b in batches) / len(batches))

    return PruneContext(
        model=model, optimizer=make_optimizer(), task_kind="lm", total_epochs=total_epochs,
        steps_per_epoch=steps_per_epoch, generator=torch.Generator().manual_seed(seed + 2),
        batches=lambda split, n: splits[split][:n], loss=_lm_loss, evaluate=evaluate,
        reset_optimizer=make_optimizer, extras={"train": train},
    )


def run_epochs(method, ctx: PruneContext, epochs, check=None) -> list[float]:
    """Run ``epochs`` (an iterable of epoch numbers) in the trainer's hook order; returns losses."""
    losses = []
    for epoch in epochs:
        method.before_epoch(epoch)
        for batch in ctx.extras["train"]:
            ctx.optimizer.zero_grad()
            loss = ctx.loss(ctx.model, batch)
            extra = method.penalty()
            if extra is not None:
                loss = loss + extra
            loss.backward()
            method.before_step()
            torch.nn.utils.clip_grad_norm_(ctx.model.parameters(), 0.25)
            ctx.optimizer.step()
            method.after_step()
            losses.append(float(loss.detach()))
            if check is not None:
                check(method)
        method.at_epoch_end(epoch, {"val_loss": ctx.evaluate(ctx.model, ctx.extras["train"])})
        method.masks.apply()
    return losses


def assert_masked_zero(method) -> None:
    """Every masked weight is exactly zero (and so is its ASGD average, when there is one)."""
    for name, param, mask in method.masks:
        assert torch.count_nonzero(param.detach()[~mask]) == 0, name
        ax = method.ctx.optimizer.state.get(param, {}).get("ax")
        if ax is not None:
            assert torch.count_nonzero(ax[~mask]) == 0, f"{name} average"


@pytest.fixture
def hand_context():
    return build_context


@pytest.fixture
def run_hooks():
    return run_epochs


@pytest.fixture
def masked_zero():
    return assert_masked_zero
