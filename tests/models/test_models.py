"""Forward shapes, hidden states, parameter groups and task/data mismatches of all models."""

import pytest
import torch

from hyperprune.config import ModelConfig
from hyperprune.data import ArrayData
from hyperprune.data.corpus import Corpus, Vocabulary
from hyperprune.errors import UserError
from hyperprune.models import build_model
from hyperprune.models.cnn import SmallVGG
from hyperprune.models.language import RNNLanguageModel
from hyperprune.models.mlp import MLP
from hyperprune.pruning.core.masks import select_parameters

torch.set_num_threads(1)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_language_model_shapes(kind):
    torch.manual_seed(0)
    model = RNNLanguageModel(50, ModelConfig(kind=kind, emb_size=8, hidden_size=12, num_layers=2,
                                             dropout_e=0.1))
    hidden = model.init_hidden(3)
    logits, new_hidden = model(torch.randint(0, 50, (5, 3)), hidden)
    assert logits.shape == (15, 50)
    if kind == "lstm":
        assert isinstance(hidden, tuple) and new_hidden[0].shape == new_hidden[1].shape == (2, 3, 12)
    else:
        assert new_hidden.shape == (2, 3, 12)
    assert model.embed(torch.zeros(4, 2, dtype=torch.long)).shape == (4, 2, 8)
    groups = model.prunable_groups()
    assert groups["recurrent"] == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1"]
    assert groups["decoder"] == ["decoder.weight"] and "decoder.bias" in groups["bias"]
    assert float(model.encoder.weight.detach().abs().max()) <= 0.1


def test_tied_weights():
    model = RNNLanguageModel(30, ModelConfig(emb_size=10, hidden_size=10, tie_weights=True))
    assert model.decoder.weight is model.encoder.weight
    assert "decoder" not in model.prunable_groups()
    names = select_parameters(model, ("embedding", "recurrent"))
    assert names[0] == "encoder.weight" and len(names) == 5
    with pytest.raises(UserError, match="emb_size == model.hidden_size"):
        RNNLanguageModel(30, ModelConfig(emb_size=8, hidden_size=10, tie_weights=True))


def test_mlp_and_cnn_shapes():
    mlp = MLP((1, 8, 8), 10)
    assert mlp(torch.rand(4, 1, 8, 8)).shape == (4, 10)
    assert mlp.prunable_groups()["linear"] == ["hidden.0.weight", "hidden.1.weight"]
    assert select_parameters(mlp, ("conv", "linear")) == ["hidden.0.weight", "hidden.1.weight"]
    for shape in [(1, 8, 8), (1, 28, 28), (3, 32, 32)]:
        cnn = SmallVGG(shape, 10, channels=(4, 6, 8, 10)).eval()
        assert cnn(torch.rand(2, *shape)).shape == (2, 10)
    assert [b.pool for b in SmallVGG((1, 8, 8), 10).features] == [True, True, True, False]
    groups = SmallVGG((1, 8, 8), 10).prunable_groups()
    assert groups["conv"][0] == "features.0.conv.weight" and groups["batchnorm"][3] == "features.3.bn.weight"
    assert len(groups["bias"]) == 9


def test_build_model_checks_data_kind():
    corpus = Corpus(Vocabulary({"a": 0, "b": 1}, ["a", "b"]), torch.zeros(4, dtype=torch.long),
                    torch.zeros(4, dtype=torch.long), torch.zeros(4, dtype=torch.long))
    arrays = ArrayData(*(torch.zeros(2, 1, 8, 8), torch.zeros(2, dtype=torch.long)) * 3, 10, (1, 8, 8))
    assert build_model(ModelConfig(kind="gru", emb_size=4, hidden_size=4), corpus).decoder.out_features == 2
    assert isinstance(build_model(ModelConfig(kind="cnn"), arrays), SmallVGG)
    with pytest.raises(UserError, match="needs a text corpus"):
        build_model(ModelConfig(kind="lstm"), arrays)
    with pytest.raises(UserError, match="needs array data"):
        build_model(ModelConfig(kind="mlp"), corpus)
    with pytest.raises(UserError, match="unknown model"):
        build_model(ModelConfig(kind="transformer"), corpus)


def test_rhn_language_model():
    torch.manual_seed(0)
    model = RNNLanguageModel(30, ModelConfig(kind="rhn", emb_size=8, hidden_size=12, num_layers=2, rhn_depth=2))
    hidden = model.init_hidden(3)
    assert isinstance(hidden, torch.Tensor) and hidden.shape == (2, 3, 12)
    logits, new_hidden = model(torch.randint(0, 30, (5, 3)), hidden)
    assert logits.shape == (15, 30) and new_hidden.shape == (2, 3, 12)
    groups = model.prunable_groups()
    assert groups["recurrent"] and all(name.startswith("rnn.weight") for name in groups["recurrent"])
    assert all("bias" in name for name in groups["bias"])
