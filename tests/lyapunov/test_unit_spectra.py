"""Spectra of unit-pruned networks: stacked layers of different widths, common leading exponents."""

import pytest
import torch

from hyperprune.lyapunov import language_model_spectrum, ls_distance, lyapunov_spectrum
from hyperprune.lyapunov.distance import spectrum_gap, trajectory_distance
from hyperprune.models.compact_language import StackedRNN, single_layer

torch.set_num_threads(1)


def _stack_from(rnn: torch.nn.Module, kind: str) -> StackedRNN:
    """The same network as one single-layer module per layer."""
    layers = []
    for layer in range(rnn.num_layers):
        in_size = rnn.input_size if layer == 0 else rnn.hidden_size
        single = single_layer(kind, in_size, rnn.hidden_size, getattr(rnn, "depth", 1))
        source = dict(rnn.named_parameters())
        with torch.no_grad():
            for name, param in single.named_parameters():
                param.copy_(source[name.replace("_l0", f"_l{layer}", 1)])
        layers.append(single)
    return StackedRNN(layers)


def test_stacked_layers_have_the_spectrum_of_the_multi_layer_module():
    torch.manual_seed(0)
    inputs = torch.randn(20, 2, 5, dtype=torch.float64)
    for kind, module in (("lstm", torch.nn.LSTM(5, 6, 2)), ("gru", torch.nn.GRU(5, 6, 2))):
        module = module.double()
        stacked = _stack_from(module, kind).double()
        expected = lyapunov_spectrum(module, inputs, warmup=5)
        assert torch.allclose(lyapunov_spectrum(stacked, inputs, warmup=5), expected, atol=1e-10)


def test_stack_of_different_widths_has_one_exponent_per_unit():
    torch.manual_seed(1)
    stacked = StackedRNN([single_layer("rnn_tanh", 4, 7), single_layer("rnn_tanh", 7, 3)])
    spectrum = lyapunov_spectrum(stacked, torch.randn(15, 2, 4), warmup=3)
    assert spectrum.shape == (2, 10) and torch.isfinite(spectrum).all()


def test_leading_exponents_of_a_longer_spectrum_are_its_spectrum_with_smaller_k():
    torch.manual_seed(2)
    lstm = torch.nn.LSTM(4, 8, 2).double()
    inputs = torch.randn(25, 1, 4, dtype=torch.float64)
    full = lyapunov_spectrum(lstm, inputs, warmup=5)[0]
    leading = lyapunov_spectrum(lstm, inputs, k=5, warmup=5)[0]
    assert torch.allclose(full[:5], leading, atol=1e-10)
    short = torch.linspace(0.0, -1.0, 5, dtype=torch.float64)
    assert ls_distance(short, full) == pytest.approx(ls_distance(short, leading), abs=1e-9)
    assert spectrum_gap("l2", [short.tolist()], [full.tolist()]) == pytest.approx(
        float(torch.linalg.vector_norm(short - leading)), abs=1e-9)
    # a trajectory whose spectra shrink when the units are removed is cut to the shortest one
    ragged = [full.tolist(), short.tolist()]
    assert trajectory_distance(ragged, [full.tolist(), full.tolist()]) == pytest.approx(
        trajectory_distance([full[:5].tolist(), short.tolist()], [leading.tolist(), leading.tolist()]), abs=1e-9)
    assert ls_distance(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0, 9.0])) == 0.0


def test_compact_language_model_spectrum():
    from hyperprune.models.compact_language import CompactLanguageModel

    torch.manual_seed(3)
    model = CompactLanguageModel({"kind": "rhn", "vocab_size": 20, "emb_size": 6, "hidden_sizes": [5, 4],
                                  "rhn_depth": 2})
    tokens = torch.randint(0, 20, (12, 2))
    assert language_model_spectrum(model, tokens, warmup=2).shape == (9,)
