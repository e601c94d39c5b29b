"""The early mask family through a training run: state round trip, filter runs, compaction."""

import pytest
import torch
from early_helpers import drive, linear_context

from hyperprune.config import override, preset
from hyperprune.pruning.early.magsign import MagSign
from hyperprune.pruning.structured.compact import compact_model

torch.set_num_threads(1)


def test_state_round_trip_before_and_after_the_mask():
    ctx, _ = linear_context(total_epochs=3)
    method = MagSign(0.5, {"score_epoch": 2})
    method.setup(ctx)
    drive(method, ctx, [1])
    pending = method.state_dict()
    assert "init" in pending and not pending["found"]

    other_ctx, _ = linear_context(total_epochs=3)
    other = MagSign(0.5, {"score_epoch": 2})
    other.setup(other_ctx)
    other_ctx.model.load_state_dict(ctx.model.state_dict())
    other_ctx.optimizer.load_state_dict(ctx.optimizer.state_dict())
    other.load_state_dict(pending)
    drive(method, ctx, [2, 3])
    drive(other, other_ctx, [2, 3])
    assert torch.equal(method.masks.masks["fc.weight"], other.masks.masks["fc.weight"])
    assert torch.equal(ctx.model.fc.weight, other_ctx.model.fc.weight)
    done = method.state_dict()
    assert done["found"] and "init" not in done and done["info"]["mask_epoch"] == 2.0


@pytest.mark.parametrize("name", ["snip", "magsign", "random", "sa"])
def test_filter_masks_in_a_digits_cnn_run(name):
    from hyperprune.training.run import TrainingRun

    spec = override(preset("tiny"), {
        "data.name": "digits", "model.kind": "cnn", "train.batch_size": 64, "train.max_batches": 3,
        "train.max_eval_batches": 2, "train.lr": 0.1, "train.momentum": 0.9, "train.clip": 0.0,
        "train.nt_asgd": False})
    run = TrainingRun(spec, method=name, sparsity=0.6, seed=3, total_epochs=2,
                      hparams={"structure": "filters", **({"evaluations": 20} if name == "sa" else {})})
    for _ in range(2):
        metrics = run.train_epoch()
    assert abs(metrics["sparsity"] - 0.6) < 0.005  # counted over conv weights
    run.model.eval()
    small = compact_model(run)
    assert not small.training
    x = torch.rand(8, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(small(x), run.model(x), atol=1e-5)
    assert sum(p.numel() for p in small.parameters()) < 0.5 * sum(p.numel() for p in run.model.parameters())
