"""On one machine and one thread count, training is bit-identical; the thread count is the run's."""

import pytest
import torch

from hyperprune.config import override
from hyperprune.training.run import TrainingRun


def _trained(spec, method, epochs=2):
    run = TrainingRun(spec, method=method, sparsity=0.0 if method == "dense" else 0.5, total_epochs=epochs)
    threads = torch.get_num_threads()
    losses = [run.train_epoch()["val_loss"] for _ in range(epochs)]
    return run, losses, threads


@pytest.mark.parametrize(("method", "threads"), [("dst", 2), ("dense", 1)])
def test_two_identical_runs_give_bit_identical_weights_and_losses(tiny_lm, method, threads):
    spec = override(tiny_lm, {"train.threads": threads, "train.max_batches": 3, "train.max_eval_batches": 2})
    first, first_losses, first_threads = _trained(spec, method)
    torch.set_num_threads(3 - threads)  # whatever the process had before, the run sets its own
    second, second_losses, second_threads = _trained(spec, method)
    assert first_threads == second_threads == threads
    assert first_losses == second_losses  # exact float equality
    a, b = first.model.state_dict(), second.model.state_dict()
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    torch.set_num_threads(1)
