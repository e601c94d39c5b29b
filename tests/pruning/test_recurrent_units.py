"""Hidden-unit masks and physical unit removal on LSTM, GRU, tanh/ReLU RNN and RHN language models."""

import pytest
import torch

from hyperprune.config import ModelConfig
from hyperprune.errors import UserError
from hyperprune.models.compact_language import CompactLanguageModel
from hyperprune.models.language import RNNLanguageModel
from hyperprune.pruning.early.unit_space import hidden_unit_space as unit_space
from hyperprune.pruning.structured.compact import compact_model
from hyperprune.pruning.structured.hidden_unit_removal import compact_hidden, remove_units
from hyperprune.pruning.structured.hidden_units import UnitMaskSet, dead_units, unit_layers, unit_report

torch.set_num_threads(1)

KINDS = ("lstm", "gru", "rnn_tanh", "rhn")
VOCAB = 30


def _model(kind, seed=0, hidden=10, emb=8, layers=2):
    torch.manual_seed(seed)
    cfg = ModelConfig(kind=kind, emb_size=emb, hidden_size=hidden, num_layers=layers, rhn_depth=2,
                      dropout=0.0, dropout_h=0.0, dropout_i=0.0)
    model = RNNLanguageModel(VOCAB, cfg)
    with torch.no_grad():  # nonzero biases everywhere, so dead units rely on the bias masks
        for name, param in model.named_parameters():
            if "bias" in name:
                param.uniform_(-0.5, 0.5)
    return model.eval()


def _keep(hidden, layers, seed=1, kept=(6, 3)):
    gen = torch.Generator().manual_seed(seed)
    out = []
    for layer in range(layers):
        vector = torch.zeros(hidden, dtype=torch.bool)
        vector[torch.randperm(hidden, generator=gen)[: kept[layer]]] = True
        out.append(vector)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_masked_units_are_dead_and_compact_outputs_equal(kind):
    model = _model(kind)
    masks = UnitMaskSet(model)
    keep = _keep(10, 2)
    masks.set_units(keep)
    masks.apply()
    assert [torch.equal(a, b) for a, b in zip(masks.units(), keep, strict=True)] == [True, True]
    assert [torch.equal(d, ~k) for d, k in zip(dead_units(model), keep, strict=True)] == [True, True]
    report = unit_report(model)
    assert (report["kept"], report["total"]) == (9, 20)

    tokens = torch.randint(0, VOCAB, (12, 3), generator=torch.Generator().manual_seed(2))
    small = compact_model(model, None)  # from the weights alone
    assert isinstance(small, CompactLanguageModel)
    assert small.rnn.hidden_sizes == [6, 3]
    expected_type = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN}.get(kind)
    if expected_type is not None:
        assert all(type(m) is expected_type for m in small.rnn.layers)
    with torch.no_grad():
        logits, hidden = model(tokens)
        small_logits, small_hidden = small(tokens)
        # a second window continues from the carried state, as in training and evaluation
        logits2, _ = model(tokens.flip(0), hidden)
        small_logits2, _ = small(tokens.flip(0), small_hidden)
    assert torch.allclose(logits, small_logits, atol=1e-5, rtol=1e-5)
    assert torch.allclose(logits2, small_logits2, atol=1e-5, rtol=1e-5)
    sliced = compact_hidden(hidden, keep, kind == "lstm")
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(sliced, small_hidden, strict=True))
    full = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in small.parameters()) < full


def test_gradients_and_optimizer_steps_keep_units_dead():
    model = _model("lstm").train()
    masks = UnitMaskSet(model)
    masks.set_units(_keep(10, 2))
    masks.apply()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    tokens = torch.randint(0, VOCAB, (6, 2))
    for _ in range(3):
        logits, _ = model(tokens)
        loss = torch.nn.functional.cross_entropy(logits, tokens.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        masks.apply()
    assert [torch.equal(d, ~k) for d, k in zip(dead_units(model), _keep(10, 2), strict=True)] == [True, True]


def test_unit_layers_name_rows_biases_and_consumers():
    layers = unit_layers(_model("rhn"))
    assert layers[0].rows == (("rnn.weight_ih_l0", 2), ("rnn.weight_hh_l0_d0", 2), ("rnn.weight_hh_l0_d1", 2))
    assert layers[0].columns == ("rnn.weight_hh_l0_d0", "rnn.weight_hh_l0_d1", "rnn.weight_ih_l1")
    assert layers[1].columns[-1] == "decoder.weight"
    lstm = unit_layers(_model("lstm"))
    assert lstm[0].rows == (("rnn.weight_ih_l0", 4), ("rnn.weight_hh_l0", 4))
    assert lstm[0].weight_shape == (80, 8 + 10)


def test_unit_space_allocations_keep_the_total_and_the_bounds():
    masks = UnitMaskSet(_model("lstm", hidden=20, emb=60))
    for allocation in ("global", "uniform", "ER", "ERK"):
        space = unit_space(masks, 0.5, allocation)
        assert space.keep == 20
        if allocation != "global":
            assert sum(space.layer_keep) == 20 and min(space.layer_keep) >= 1
    # ER: the first layer (more inputs) is sparser than the second
    er = unit_space(masks, 0.5, "ER")
    assert er.layer_keep[0] < er.layer_keep[1]
    bounded = unit_space(masks, 0.5, "global", min_density=0.4, max_density=0.6)
    scores = {"rnn layer 0": torch.arange(20.0) + 100, "rnn layer 1": torch.arange(20.0)}
    kept = bounded.top(scores)
    assert [int(kept[n].sum()) for n in bounded.names] == [12, 8]
    with pytest.raises(UserError, match="per-layer bounds allow"):
        unit_space(masks, 0.5, "uniform", min_density=0.8)


def test_units_need_an_untied_recurrent_language_model():
    cfg = ModelConfig(kind="lstm", emb_size=8, hidden_size=8, num_layers=1, tie_weights=True)
    with pytest.raises(UserError, match="untied"):
        UnitMaskSet(RNNLanguageModel(VOCAB, cfg))
    with pytest.raises(UserError, match="keep no unit"):
        remove_units(_model("gru"), [torch.zeros(10, dtype=torch.bool), torch.ones(10, dtype=torch.bool)])
