"""The engine against an independent computation: autograd Jacobians of the stacked
one-step map (from the modules' own forward, or from the weights with the LSTM cell state
held fixed) followed by a plainly written QR iteration, all in float64."""

import pytest
import torch
from _ls_reference import reference_spectrum
from torch import nn

from hyperprune.lyapunov import lyapunov_spectrum
from hyperprune.models.rhn import RHN

TOL = 1e-4


def _make(kind: str, layers: int) -> nn.Module:
    torch.manual_seed(layers * 7 + len(kind))
    if kind == "lstm":
        module = nn.LSTM(3, 5, num_layers=layers, dropout=0.5 if layers > 1 else 0.0)
    elif kind == "gru":
        module = nn.GRU(3, 5, num_layers=layers, dropout=0.5 if layers > 1 else 0.0)
    elif kind == "rhn":
        module = RHN(3, 5, depth=3, num_layers=layers)
        with torch.no_grad():  # gates near 1/2 so that every micro-step matters
            for name, param in module.named_parameters():
                if name.startswith("bias"):
                    param.normal_(0.0, 0.5)
    else:
        module = nn.RNN(3, 5, num_layers=layers, nonlinearity=kind, dropout=0.5 if layers > 1 else 0.0)
        if kind == "relu":
            # Every unit stays active: a dead unit zeroes a row of J and the collapsed
            # directions' exponents are then set by round-off (-inf in exact arithmetic).
            with torch.no_grad():
                for name, param in module.named_parameters():
                    param.mul_(0.5) if name.startswith("weight") else param.fill_(1.5)
    # Train mode on purpose: the engine must not apply dropout; the reference runs in eval.
    return module.double()


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", ["lstm", "gru", "tanh", "relu", "rhn"])
def test_full_spectrum_matches_autograd_reference(kind, layers):
    module = _make(kind, layers)
    inputs = torch.randn(10, 2, 3, dtype=torch.float64)
    ours = lyapunov_spectrum(module, inputs, warmup=2)
    reference = reference_spectrum(module.eval(), inputs, None, warmup=2)
    assert ours.shape == (2, layers * 5)
    assert ours.dtype == torch.float64
    assert (ours - reference).abs().max().item() <= TOL


@pytest.mark.parametrize("layers", [1, 2])
def test_lstm_hc_state_matches_autograd_reference(layers):
    module = _make("lstm", layers)
    inputs = torch.randn(10, 2, 3, dtype=torch.float64)
    ours = lyapunov_spectrum(module, inputs, warmup=3, state="hc")
    reference = reference_spectrum(module.eval(), inputs, None, warmup=3, state="hc")
    assert ours.shape == (2, 2 * layers * 5)
    assert (ours - reference).abs().max().item() <= TOL


def test_partial_spectrum_is_the_leading_part():
    module = _make("lstm", 2)
    inputs = torch.randn(10, 2, 3, dtype=torch.float64)
    full = lyapunov_spectrum(module, inputs, warmup=1)
    leading = lyapunov_spectrum(module, inputs, warmup=1, k=4)
    reference = reference_spectrum(module.eval(), inputs, 4, warmup=1)
    assert leading.shape == (2, 4)
    assert (leading - full[:, :4]).abs().max().item() <= 1e-10
    assert (leading - reference).abs().max().item() <= TOL


def test_hc_state_differs_from_fixed_cell_state():
    module = _make("lstm", 1)
    inputs = torch.randn(10, 2, 3, dtype=torch.float64)
    fixed = lyapunov_spectrum(module, inputs, k=5)
    full_state = lyapunov_spectrum(module, inputs, k=5, state="hc")
    # The cell state's memory (forget gate near 1/2 here) slows contraction of the top exponent.
    assert full_state[:, 0].min() > fixed[:, 0].max() - 1e-9
    assert (full_state - fixed).abs().max() > 0.05


def test_relu_dead_units_collapse_and_the_rest_match():
    torch.manual_seed(3)
    module = nn.RNN(3, 6, nonlinearity="relu").double()
    with torch.no_grad():
        module.bias_ih_l0.copy_(torch.tensor([-5.0, -5.0, 3.0, 3.0, 3.0, 3.0]))  # units 0 and 1 never fire
        module.bias_hh_l0.zero_()
        module.weight_hh_l0.mul_(0.5)
    inputs = torch.randn(10, 2, 3, dtype=torch.float64)
    ours = lyapunov_spectrum(module, inputs)
    reference = reference_spectrum(module, inputs, None, warmup=0)
    # Two dead units: J has rank 4, and the last two exponents only measure round-off.
    alive = reference > -20.0
    assert alive.sum().item() == 2 * 4
    assert (ours[alive] - reference[alive]).abs().max().item() <= TOL
    assert ours[~alive].max().item() < -20.0


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN, RHN])
def test_modules_without_bias_or_with_rhn_depth_one(cls):
    torch.manual_seed(5)
    module = (
        RHN(3, 4, depth=1, num_layers=2) if cls is RHN else cls(3, 4, num_layers=2, bias=False)
    ).double()
    inputs = torch.randn(8, 2, 3, dtype=torch.float64)
    ours = lyapunov_spectrum(module, inputs, warmup=1)
    assert (ours - reference_spectrum(module, inputs, None, warmup=1)).abs().max().item() <= TOL


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", ["lstm", "gru", "tanh", "rhn"])
def test_cuda_matches_cpu(kind):
    module = _make(kind, 2)
    inputs = torch.randn(10, 2, 3, dtype=torch.float64)
    cpu = lyapunov_spectrum(module, inputs, warmup=2)
    cuda = lyapunov_spectrum(module.cuda(), inputs.cuda(), warmup=2)
    assert cuda.device.type == "cuda"
    assert (cuda.cpu() - cpu).abs().max().item() <= 1e-8
