"""Conformance suite every pruning method runs (all registered names except ``dense``).

For each method and each task kind it applies to, driven through ``TrainingRun``:

* the global sparsity counted from the weights over the method's prunable parameters ends
  within 0.5 percentage points of the target. An unmasked weight that is exactly zero and got
  no gradient in the whole last epoch (a weight regrown at zero into a dead ReLU unit, say) is
  frozen, not pruned: it counts as kept for the upper bound, never for the lower one;
* masked weights are exactly zero after every optimizer step and after every epoch;
* ``state_dict`` -> new run -> ``load_state_dict`` -> continue gives exactly the metrics,
  masks and weights of an uninterrupted run;
* two runs with the same seed give identical masks and metrics.

Tasks: a small LSTM language model (the ``tiny`` preset at hidden/embedding size 32), an MLP
and a small CNN on the 8x8 digits. The language model trains on a small slice of real PTB
text whose validation and test lines are taken from its own training lines, so every word
of the vocabulary occurs in every training epoch: a weight that a dynamic method regrows (at
zero) in the embedding row of a word absent from an epoch receives no gradient in it, stays
zero, and counting zero weights would overstate the sparsity.

A registered method whose module or class cannot be imported fails (a stale registry path is a
bug, never a skip).
"""

from __future__ import annotations

import gzip

import pytest
import torch

from hyperprune.config import override, preset
from hyperprune.data.embedded import EMBEDDED_DIR
from hyperprune.pruning.core.masks import sparsity_report
from hyperprune.pruning.registry import METHODS

torch.set_num_threads(1)

SPARSITY = 0.6
TOLERANCE = 0.005
EPOCHS = 3
SPLIT_AT = 1
METHOD_NAMES = [name for name in METHODS.names() if name != "dense"]
TASKS = ("lm", "mlp", "cnn")


def method_class(name: str):
    """The method's class; a registered method that cannot be imported fails the test."""
    return METHODS.get(name)


@pytest.mark.parametrize("name", METHODS.names())
def test_every_registered_method_imports(name):
    cls = method_class(name)
    assert isinstance(cls, type), f"{name} is registered as {cls!r}, not a class"


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """A PTB-layout directory: 70 real lines for training, validation/test drawn from them."""
    with gzip.open(EMBEDDED_DIR / "train.txt.gz", "rt", encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()][:70]
    directory = tmp_path_factory.mktemp("corpus")
    (directory / "train.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "valid.txt").write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    (directory / "test.txt").write_text("\n".join(lines[20:40]) + "\n", encoding="utf-8")
    return directory


def task_spec(task: str, corpus_dir):
    base = preset("tiny")
    if task == "lm":
        return override(base, {"model.hidden_size": 32, "model.emb_size": 32, "data.name": "ptb",
                               "data.path": str(corpus_dir), "train.batch_size": 10, "train.bptt": 20,
                               "train.eval_batch_size": 10, "train.max_batches": 8,
                               "train.max_eval_batches": 4})
    common = {"data.name": "digits", "model.kind": task, "train.batch_size": 64, "train.max_batches": 8,
              "train.max_eval_batches": 4, "train.lr": 0.1, "train.momentum": 0.9,
              "train.weight_decay": 1e-4, "train.clip": 0.0, "train.nt_asgd": False}
    if task == "mlp":
        common["model.mlp_hidden"] = [48, 24]
    else:
        common["model.cnn_channels"] = [8, 16]
    return override(base, common)


def assert_masked_zero(method, where: str) -> None:
    for name, param, mask in method.masks:
        leaked = int(torch.count_nonzero(param.detach()[~mask]))
        assert leaked == 0, f"{where}: {leaked} masked weights of {name} are not zero"


def watch(run) -> dict[str, torch.Tensor]:
    """Check the masks after every step and epoch end of ``run``; returns, per prunable
    parameter, where a nonzero gradient was seen during the last epoch (filled as it trains, cleared
    when an epoch starts)."""
    method = run.method
    before_step, after_step, at_epoch_end = method.before_step, method.after_step, method.at_epoch_end
    before_epoch = method.before_epoch
    touched = {name: torch.zeros_like(mask) for name, _, mask in method.masks}

    def recording_before_step():
        for name, param, _ in method.masks:
            if param.grad is not None:
                touched[name] |= param.grad != 0
        before_step()

    def checked_after_step():
        after_step()
        assert_masked_zero(method, f"step {method_steps[0]}")
        method_steps[0] += 1

    def checked_epoch_end(epoch, metrics):
        at_epoch_end(epoch, metrics)
        method.masks.apply()
        assert_masked_zero(method, f"end of epoch {epoch}")

    def cleared_before_epoch(epoch):
        for mask in touched.values():
            mask.zero_()
        before_epoch(epoch)

    method_steps = [0]
    method.before_epoch = cleared_before_epoch
    method.before_step = recording_before_step
    method.after_step = checked_after_step
    method.at_epoch_end = checked_epoch_end
    return touched


def frozen_zeros(run, touched: dict[str, torch.Tensor]) -> int:
    """Unmasked weights that are exactly zero and had no gradient in the last epoch."""
    return sum(int((mask & (param.detach() == 0) & ~touched[name]).sum()) for name, param, mask in run.method.masks)


def masks_of(run) -> dict[str, torch.Tensor]:
    return {name: mask.clone() for name, _, mask in run.method.masks}


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("name", METHOD_NAMES)
def test_method_conformance(name, task, small_corpus, tmp_path):
    from hyperprune.training.run import TrainingRun

    cls = method_class(name)
    kind = "lm" if task == "lm" else "classifier"
    if kind not in cls.task_kinds:
        pytest.skip(f"{name} does not apply to {kind} models")
    spec = task_spec(task, small_corpus)

    def new_run():
        return TrainingRun(spec, method=name, sparsity=SPARSITY, seed=7, total_epochs=EPOCHS)

    full = new_run()
    touched = watch(full)
    history = []
    while not full.finished():  # to age EPOCHS: a method finding its mask first trains longer
        history.append(full.train_epoch())
    assert history[-1]["age"] == EPOCHS and history[-1]["rankable"]
    assert all(not m["diverged"] for m in history), history

    report = sparsity_report(full.model, full.method.masks.names)["global"]
    counted = report["sparsity"]
    frozen_share = frozen_zeros(full, touched) / report["total"]
    where = f"{name}/{task}: sparsity {counted:.4f} ({frozen_share:.4f} frozen at zero), target {SPARSITY}"
    assert counted >= SPARSITY - TOLERANCE, where
    assert counted - frozen_share <= SPARSITY + TOLERANCE, where
    assert full.sparsity_report()["global"]["sparsity"] >= SPARSITY - TOLERANCE

    # state round trip: stop after SPLIT_AT epochs, restore into a new run, continue
    first = new_run()
    for _ in range(SPLIT_AT):
        first.train_epoch()
    state = first.state_dict()
    path = tmp_path / "run.pt"
    first.save(path)
    resumed = new_run()
    resumed.load_state_dict(state)
    reloaded = TrainingRun.load(path)
    for run in (resumed, reloaded):
        tail = [run.train_epoch() for _ in range(len(history) - SPLIT_AT)]
        assert tail == history[SPLIT_AT:], f"{name}/{task}: resumed run diverges from the uninterrupted one"
        for key, mask in masks_of(run).items():
            assert torch.equal(mask, full.method.masks.masks[key]), key
        for key, value in run.model.state_dict().items():
            assert torch.equal(value, full.model.state_dict()[key]), key

    # same seed, same everything
    again = new_run()
    assert [again.train_epoch() for _ in range(len(history))] == history
    for key, mask in masks_of(again).items():
        assert torch.equal(mask, full.method.masks.masks[key]), key
