"""Closed form: a tanh RNN resting at its zero fixed point has J_t = W_hh at every step.

With zero input, zero biases and h0 = 0 the state stays 0 and tanh'(0) = 1, so the QR
iteration is the orthogonal (power) iteration of W_hh. For a symmetric W_hh the exponents
converge to log|eig(W_hh)| in decreasing order. The error after T steps is
|log det(U_i^T Q0_i)| / T for the leading-i frame (U the eigenvectors, Q0 the initial frame),
a bounded constant over T, plus (|l_{i+1}| / |l_i|)^T terms that vanish; with T = 2000 and
magnitude ratios <= 0.8 the difference is well under the 0.01 tolerance.
"""

import torch
from torch import nn

from hyperprune.lyapunov import lyapunov_spectrum


def test_zero_fixed_point_gives_log_abs_eigenvalues():
    torch.manual_seed(0)
    eigenvalues = torch.tensor([1.5, -1.2, 0.9, 0.5, -0.3, 0.1], dtype=torch.float64)
    basis, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    w_hh = basis @ torch.diag(eigenvalues) @ basis.T
    rnn = nn.RNN(4, 6, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(w_hh)
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
    inputs = torch.zeros(2000, 1, 4, dtype=torch.float64)
    spectrum = lyapunov_spectrum(rnn, inputs)[0]
    expected = eigenvalues.abs().log().sort(descending=True).values
    assert torch.allclose(spectrum.sort(descending=True).values, expected, atol=0.01, rtol=0.0)
    # The QR order is the decreasing order here.
    assert torch.allclose(spectrum, expected, atol=0.01, rtol=0.0)


def test_two_layers_with_zero_coupling_give_both_spectra():
    """A block-diagonal stacked Jacobian (W_ih of layer 1 zero) has the union of both spectra."""
    torch.manual_seed(1)
    rnn = nn.RNN(3, 3, num_layers=2, nonlinearity="tanh").double()
    lower = torch.tensor([1.3, 0.6, -0.2], dtype=torch.float64)
    upper = torch.tensor([-0.9, 0.4, 0.05], dtype=torch.float64)
    with torch.no_grad():
        for layer, eig in ((0, lower), (1, upper)):
            basis, _ = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))
            getattr(rnn, f"weight_hh_l{layer}").copy_(basis @ torch.diag(eig) @ basis.T)
            getattr(rnn, f"bias_ih_l{layer}").zero_()
            getattr(rnn, f"bias_hh_l{layer}").zero_()
        rnn.weight_ih_l1.zero_()
    spectrum = lyapunov_spectrum(rnn, torch.zeros(2000, 1, 3, dtype=torch.float64))[0]
    expected = torch.cat([lower, upper]).abs().log().sort(descending=True).values
    assert torch.allclose(spectrum.sort(descending=True).values, expected, atol=0.01, rtol=0.0)
