"""Task batching: epoch windows over a capped corpus, the pruning context's fixed batches."""

import math

import torch

from hyperprune.config import override
from hyperprune.training import TrainingRun


def test_capped_epochs_tile_the_corpus(tiny_lm):
    run = TrainingRun(tiny_lm, total_epochs=1)
    task = run.task
    assert task.steps_per_epoch == 5 and task.total_train == 118  # 82430 // 20 rows, bptt 35
    tiles = -(-task.total_train // 5)
    starts = [task.epoch_start(e) for e in range(1, tiles + 1)]
    assert len(set(starts)) == tiles  # one cycle visits every tile once
    assert min(starts) == 0 and max(starts) == task.total_train - 5
    assert starts[:3] != [0, 5, 10]  # seeded order, not sequential
    assert all(s + 5 <= task.total_train for s in starts)


def test_prune_context(tiny_lm, half_mask):
    run = TrainingRun(tiny_lm, method=half_mask, sparsity=0.5, total_epochs=2)
    ctx = run.ctx
    assert ctx.steps_per_epoch == 5 and ctx.total_epochs == 2 and ctx.task_kind == "lm"
    train = ctx.batches("train", 2)
    assert torch.equal(train[0][0], run.task.sources["train"][:35])
    assert train[0][0].shape == (35, 20) and train[0][1].shape == (700,)
    held = ctx.batches("heldout", 2)
    assert not torch.equal(held[0][0], train[0][0])
    assert all(torch.equal(a[0], b[0]) for a, b in zip(held, ctx.batches("heldout", 2), strict=True))
    loss = ctx.loss(run.model, train[0])
    assert loss.requires_grad and abs(float(loss.detach()) - math.log(len(run.data.vocab))) < 0.05  # chance level
    run.model.train()
    value = ctx.evaluate(run.model, train)
    assert run.model.training and abs(value - float(loss)) < 0.1
    fresh = ctx.reset_optimizer()
    assert run.optimizer is fresh and ctx.optimizer is fresh


def test_classifier_fixed_batches():
    from hyperprune.config import preset

    spec = override(preset("tiny"), {"model.kind": "mlp", "data.name": "digits", "train.batch_size": 16})
    run = TrainingRun(spec, total_epochs=1)
    first = run.ctx.batches("train", 3)
    assert [b[0].shape for b in first] == [(16, 1, 8, 8)] * 3
    held = run.ctx.batches("heldout", 3)
    x_train = run.task.arrays["train"][0]
    first_batch = {tuple(r.flatten().tolist()) for r in x_train[:16]}
    assert not any(tuple(r.flatten().tolist()) in first_batch for b in held for r in b[0])
