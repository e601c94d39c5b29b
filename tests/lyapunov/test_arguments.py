"""Bad arguments fail with a clear ValueError; accepted variants of h0 behave as documented."""

import pytest
import torch
from torch import nn

from hyperprune.lyapunov import lyapunov_spectrum
from hyperprune.models.rhn import RHN


@pytest.fixture
def lstm():
    torch.manual_seed(0)
    return nn.LSTM(3, 4, num_layers=2)


def test_rejects_unsupported_modules():
    with pytest.raises(ValueError, match="batch_first"):
        lyapunov_spectrum(nn.GRU(3, 4, batch_first=True), torch.randn(5, 2, 3))
    with pytest.raises(ValueError, match="unsupported recurrent module Linear"):
        lyapunov_spectrum(nn.Linear(3, 4), torch.randn(5, 2, 3))
    with pytest.raises(ValueError, match="bidirectional"):
        lyapunov_spectrum(nn.LSTM(3, 4, bidirectional=True), torch.randn(5, 2, 3))
    with pytest.raises(ValueError, match="only defined for torch.nn.LSTM"):
        lyapunov_spectrum(nn.GRU(3, 4), torch.randn(5, 2, 3), state="hc")
    with pytest.raises(ValueError, match="only defined for torch.nn.LSTM"):
        lyapunov_spectrum(RHN(3, 4, depth=2), torch.randn(5, 2, 3), state="hc")


@pytest.mark.parametrize("k", [0, 9, -1, 2.0, True])
def test_rejects_k_out_of_range(lstm, k):
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 8\]"):
        lyapunov_spectrum(lstm, torch.randn(5, 2, 3), k=k)


@pytest.mark.parametrize("warmup", [5, 6, -1])
def test_rejects_warmup_out_of_range(lstm, warmup):
    with pytest.raises(ValueError, match="0 <= warmup < T=5"):
        lyapunov_spectrum(lstm, torch.randn(5, 2, 3), warmup=warmup)


def test_rejects_bad_inputs(lstm):
    with pytest.raises(ValueError, match="input_size=3"):
        lyapunov_spectrum(lstm, torch.randn(5, 2, 4))
    with pytest.raises(ValueError, match=r"\(T, B, input_size\)"):
        lyapunov_spectrum(lstm, torch.randn(5, 3))
    with pytest.raises(ValueError, match="dtype"):
        lyapunov_spectrum(lstm, torch.randn(5, 2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="state must be"):
        lyapunov_spectrum(lstm, torch.randn(5, 2, 3), state="c")
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 2, 4\)"):
        lyapunov_spectrum(lstm, torch.randn(5, 2, 3), h0=torch.zeros(1, 2, 4))


def test_h0_variants(lstm):
    inputs = torch.randn(6, 2, 3)
    zeros = torch.zeros(2, 2, 4)
    base = lyapunov_spectrum(lstm, inputs)
    assert torch.equal(base, lyapunov_spectrum(lstm, inputs, h0=zeros))
    assert torch.equal(base, lyapunov_spectrum(lstm, inputs, h0=(zeros, zeros)))
    moved = lyapunov_spectrum(lstm, inputs, h0=(zeros + 0.5, zeros - 0.5))
    assert not torch.allclose(base, moved)


def test_warmup_excludes_the_first_steps_from_the_mean():
    """With warmup w the result is (T * mean_all - sum of the first w log r) / (T - w)."""
    torch.manual_seed(3)
    rnn = nn.RNN(3, 4).double()
    inputs = torch.randn(8, 2, 3, dtype=torch.float64)
    all_steps = lyapunov_spectrum(rnn, inputs)
    first_three = lyapunov_spectrum(rnn, inputs[:3])
    warmed = lyapunov_spectrum(rnn, inputs, warmup=3)
    assert torch.allclose(warmed, (8 * all_steps - 3 * first_three) / 5, atol=1e-12)
