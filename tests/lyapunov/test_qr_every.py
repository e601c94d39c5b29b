"""Re-orthonormalising every ``qr_every`` steps: the schedule, its exactness in float64
against the every-step engine (itself checked against the autograd oracle), the column
rescaling, and the precision option of the language-model spectrum."""

import pytest
import torch
from torch import nn

from hyperprune.lyapunov import language_model_spectrum, lyapunov_spectrum, positive_qr
from hyperprune.lyapunov.schedule import normalise_columns, qr_schedule
from hyperprune.models.rhn import RHN

T, F = True, False


def test_schedule_forces_warmup_end_and_last_step():
    assert qr_schedule(12, 2, 4) == [F, T, F, F, F, T, F, F, F, T, F, T]
    assert qr_schedule(5, 0, 1) == [T] * 5
    assert qr_schedule(6, 0, 4) == [F, F, F, T, F, T]
    assert qr_schedule(7, 3, 100) == [F, F, T, F, F, F, T]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_schedule_rejects_a_bad_interval(bad):
    with pytest.raises(ValueError, match="qr_every must be a positive integer"):
        qr_schedule(5, 0, bad)


def test_column_rescaling_leaves_q_and_shifts_log_r_exactly():
    torch.manual_seed(0)
    matrix = torch.randn(2, 6, 4, dtype=torch.float64) * torch.tensor(
        [1e-3, 1.0, 50.0, 2.0], dtype=torch.float64
    )
    q, log_r = positive_qr(matrix)
    unit, log_norm = normalise_columns(matrix)
    assert torch.allclose(torch.linalg.vector_norm(unit, dim=-2), torch.ones(2, 4, dtype=torch.float64))
    q_unit, log_r_unit = positive_qr(unit)
    assert torch.allclose(q_unit, q, atol=1e-12)
    assert torch.allclose(log_r_unit + log_norm, log_r, atol=1e-12)


def _module(kind: str) -> nn.Module:
    torch.manual_seed(11)
    if kind == "lstm":
        return nn.LSTM(4, 8, num_layers=2).double()
    if kind == "gru":
        return nn.GRU(4, 8, num_layers=2).double()
    if kind == "rhn":
        return RHN(4, 8, depth=2, num_layers=2).double()
    return nn.RNN(4, 8, num_layers=2).double()


@pytest.mark.parametrize("kind", ["lstm", "gru", "tanh", "rhn"])
@pytest.mark.parametrize("qr_every", [2, 3, 5])
def test_sparse_qr_matches_every_step_qr_in_float64(kind, qr_every):
    module = _module(kind)
    inputs = torch.randn(20, 2, 4, dtype=torch.float64)
    exact = lyapunov_spectrum(module, inputs, warmup=4)
    sparse = lyapunov_spectrum(module, inputs, warmup=4, qr_every=qr_every)
    assert exact.abs().max() > 0.3  # spread-out spectra, not trivial ones
    # Identical in exact arithmetic; only round-off of a few unorthonormalised steps differs.
    assert (sparse - exact).abs().max().item() < 1e-8


def test_sparse_qr_with_lstm_cell_state_and_partial_spectrum():
    module = _module("lstm")
    inputs = torch.randn(15, 2, 4, dtype=torch.float64)
    for kwargs in ({"state": "hc"}, {"k": 5}):
        exact = lyapunov_spectrum(module, inputs, warmup=3, **kwargs)
        sparse = lyapunov_spectrum(module, inputs, warmup=3, qr_every=3, **kwargs)
        # The cell state's exponents spread to about -6 per step: round-off grows like exp(6 * 3).
        assert (sparse - exact).abs().max().item() < 1e-6


def test_float32_sparse_qr_loses_only_trailing_exponents_at_short_intervals():
    module = _module("lstm")
    inputs = torch.randn(30, 2, 4, dtype=torch.float64)
    exact = lyapunov_spectrum(module, inputs, warmup=5)
    module32 = nn.LSTM(4, 8, num_layers=2)
    module32.load_state_dict({k: v.float() for k, v in module.state_dict().items()})
    sparse32 = lyapunov_spectrum(module32, inputs.float(), warmup=5, qr_every=2).double()
    assert (sparse32 - exact).abs().max().item() < 1e-3


class _TinyLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.encoder = nn.Embedding(30, 6)
        self.rnn = nn.LSTM(6, 8, num_layers=2)

    def embed(self, tokens):
        return self.encoder(tokens)


def test_language_model_spectrum_in_float64_leaves_the_model_alone():
    model = _TinyLM()
    tokens = torch.randint(0, 30, (20, 2))
    in64 = language_model_spectrum(model, tokens, warmup=4, dtype=torch.float64)
    assert in64.dtype == torch.float64
    assert next(model.parameters()).dtype == torch.float32
    model64 = _TinyLM().double()
    reference = language_model_spectrum(model64, tokens, warmup=4)
    assert (in64 - reference).abs().max().item() < 1e-10
    in32 = language_model_spectrum(model, tokens, warmup=4, qr_every=2)
    assert in32.dtype == torch.float32
    assert (in32.double() - reference).abs().max().item() < 1e-3
