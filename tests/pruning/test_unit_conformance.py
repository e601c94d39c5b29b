"""Conformance of ``structure=units`` through ``TrainingRun`` on LSTM, GRU, RNN and RHN models.

For each (method, model kind): the unit sparsity counted from the saved weights is the target
(exact kept count), removed units stay dead after every step, the compacted model's logits
equal the masked model's on validation data, and a run restored from its checkpoint continues
exactly like the uninterrupted one.
"""

import pytest
import torch
from test_conformance import small_corpus, task_spec  # noqa: F401 (fixture)

from hyperprune.config import override
from hyperprune.pruning.core.kept_count import kept_count as kept_total
from hyperprune.pruning.structured.compact import compact_model
from hyperprune.pruning.structured.hidden_units import dead_units, unit_report
from hyperprune.training.run import TrainingRun

torch.set_num_threads(1)

SPARSITY = 0.6
EPOCHS = 2
CASES = [("snip", "lstm"), ("magsign", "lstm"), ("random", "lstm"), ("sa", "lstm"),
         ("snip", "gru"), ("magsign", "rnn_tanh"), ("random", "rhn")]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_unit_structure_conformance(name, kind, small_corpus, tmp_path):  # noqa: F811
    spec = override(task_spec("lm", small_corpus), {"model.kind": kind, "model.rhn_depth": 2,
                                                    "train.max_batches": 4})
    hparams = {"structure": "units", "score_epoch": 0, "allocation": "ER" if name == "snip" else "global"}
    if name == "sa":
        hparams.update(evaluations=20, heldout_batches=1)

    def new_run():
        return TrainingRun(spec, method=name, sparsity=SPARSITY, hparams=hparams, seed=3, total_epochs=EPOCHS)

    full = new_run()
    history = [full.train_epoch() for _ in range(EPOCHS)]
    assert not any(m["diverged"] for m in history)
    weights_path = tmp_path / "weights.pt"
    full.save_weights(weights_path)
    saved = torch.load(weights_path, weights_only=True)
    check = new_run()
    check.model.load_state_dict(saved)
    report = unit_report(check.model)
    assert report["kept"] == kept_total(report["total"], SPARSITY), report
    assert all(layer["kept"] >= 1 for layer in report["layers"].values())
    masks_units = full.method.masks.units()
    assert [torch.equal(d, ~k) for d, k in zip(dead_units(full.model), masks_units, strict=True)] == [True] * 2

    small = compact_model(full).eval()
    assert small.rnn.hidden_sizes == [int(k.sum()) for k in masks_units]
    tokens = full.task.sources["valid"][:20]
    full.model.eval()
    with torch.no_grad():
        assert torch.allclose(full.model(tokens)[0], small(tokens)[0], atol=1e-4, rtol=1e-4)
    assert abs(full.evaluate("valid")["loss"] - _loss(full, small)) < 1e-4

    first = new_run()
    first.train_epoch()
    path = tmp_path / "run.pt"
    first.save(path)
    resumed = TrainingRun.load(path)
    assert [resumed.train_epoch() for _ in range(EPOCHS - 1)] == history[1:]
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, full.model.state_dict()[key]), key


def _loss(run, model):
    return run.task.evaluate(model, "valid")["loss"]
