"""float32 against float64, and the positive-diagonal QR step."""

import torch
from torch import nn

from hyperprune.lyapunov import lyapunov_spectrum, positive_qr
from hyperprune.lyapunov.qr import LOG_FLOOR


def test_float32_agrees_with_float64():
    torch.manual_seed(0)
    lstm64 = nn.LSTM(8, 16, num_layers=2).double()
    lstm32 = nn.LSTM(8, 16, num_layers=2)
    lstm32.load_state_dict({k: v.float() for k, v in lstm64.state_dict().items()})
    inputs = torch.randn(30, 2, 8, dtype=torch.float64)
    s64 = lyapunov_spectrum(lstm64, inputs, warmup=5)
    s32 = lyapunov_spectrum(lstm32, inputs.float(), warmup=5)
    assert s32.dtype == torch.float32
    assert s64.abs().max() > 1.0  # a spread-out spectrum, not a trivial one
    assert (s32.double() - s64).abs().max().item() < 1e-4  # measured about 2e-6


def test_positive_qr_factorises_with_positive_diagonal():
    torch.manual_seed(1)
    matrix = torch.randn(3, 7, 4, dtype=torch.float64)
    q, log_r = positive_qr(matrix)
    assert q.shape == (3, 7, 4) and log_r.shape == (3, 4)
    eye = torch.eye(4, dtype=torch.float64).expand(3, 4, 4)
    assert torch.allclose(q.mT @ q, eye, atol=1e-12)
    r = q.mT @ matrix
    assert torch.allclose(torch.tril(r, diagonal=-1), torch.zeros_like(r), atol=1e-12)
    diag = r.diagonal(dim1=-2, dim2=-1)
    assert (diag > 0).all()
    assert torch.allclose(diag.log(), log_r, atol=1e-12)
    assert torch.allclose(q @ r, matrix, atol=1e-12)


def test_positive_qr_of_a_collapsed_direction_is_floored():
    matrix = torch.tensor([[[2.0, 0.0], [0.0, 0.0]]], dtype=torch.float64)
    q, log_r = positive_qr(matrix)
    assert torch.isfinite(log_r).all()
    assert log_r[0, 0].item() == torch.log(torch.tensor(2.0, dtype=torch.float64)).item()
    assert abs(log_r[0, 1].item() - torch.log(torch.tensor(LOG_FLOOR)).item()) < 1e-6
    assert torch.allclose(q.mT @ q, torch.eye(2, dtype=torch.float64))


def test_frames_stay_continuous_between_steps():
    """With the sign fix a frame that is already orthonormal maps to itself."""
    torch.manual_seed(2)
    frame, _ = torch.linalg.qr(torch.randn(2, 5, 5))
    q, log_r = positive_qr(frame * torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0]))
    again, log_again = positive_qr(q)
    assert torch.allclose(again, q, atol=1e-5)
    assert torch.allclose(log_again, torch.zeros(2, 5), atol=1e-5)
