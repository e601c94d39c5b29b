"""The recurrent highway network: shapes, the coupled-gate step, gradients, and its Jacobian."""

import pytest
import torch
from torch.autograd.functional import jacobian

from hyperprune.lyapunov.rhn import RHNCellJacobian
from hyperprune.models.rhn import RHN

torch.set_num_threads(1)


def test_shapes_and_names():
    torch.manual_seed(0)
    rnn = RHN(input_size=3, hidden_size=5, depth=2, num_layers=2)
    out, h_last = rnn(torch.randn(7, 4, 3))
    assert out.shape == (7, 4, 5) and h_last.shape == (2, 4, 5)
    assert torch.equal(out[-1], h_last[-1])
    assert rnn.prunable_weight_names() == [
        "weight_ih_l0",
        "weight_hh_l0_d0",
        "weight_hh_l0_d1",
        "weight_ih_l1",
        "weight_hh_l1_d0",
        "weight_hh_l1_d1",
    ]
    params = dict(rnn.named_parameters())
    assert params["weight_ih_l1"].shape == (10, 5) and params["weight_ih_l0"].shape == (10, 3)
    assert params["bias_l0_d1"][5:].eq(-2.0).all() and params["bias_l0_d1"][:5].eq(0.0).all()
    assert sum(p.numel() for p in params.values()) == 10 * 3 + 10 * 5 + 4 * (10 * 5 + 10)
    with pytest.raises(ValueError, match="h0 must have shape"):
        rnn(torch.randn(7, 4, 3), torch.zeros(1, 4, 5))
    with pytest.raises(ValueError, match="depth"):
        RHN(3, 5, depth=0)


def test_one_step_follows_the_coupled_highway_formula():
    torch.manual_seed(1)
    rnn = RHN(2, 3, depth=2).double()
    x = torch.randn(1, 1, 2, dtype=torch.float64)
    h0 = torch.randn(1, 1, 3, dtype=torch.float64)
    s = h0[0, 0]
    for d in range(2):
        pre = rnn.recurrent_weight(0, d) @ s + rnn.bias(0, d)
        if d == 0:
            pre = pre + rnn.input_weight(0) @ x[0, 0]
        cand, gate = torch.tanh(pre[:3]), torch.sigmoid(pre[3:])
        s = gate * cand + (1 - gate) * s
    _, h_last = rnn(x, h0)
    assert torch.allclose(h_last[0, 0], s, atol=1e-14)


def test_gradcheck():
    torch.manual_seed(2)
    rnn = RHN(2, 3, depth=2, num_layers=2).double()
    x = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: rnn(a, b)[0], (x, h0))


def test_analytic_jacobian_matches_autograd_for_stacked_layers():
    torch.manual_seed(3)
    rnn = RHN(2, 4, depth=3, num_layers=2).double()
    with torch.no_grad():
        for name, param in rnn.named_parameters():
            if name.startswith("bias"):
                param.normal_(0.0, 0.5)
    x = torch.randn(2, 2, dtype=torch.float64)  # (B, I)
    h = torch.randn(2, 2, 4, dtype=torch.float64)  # (L, B, H)
    cells = [RHNCellJacobian(rnn, layer) for layer in range(2)]
    with torch.no_grad():
        out0 = cells[0].step(x, (h[0],))[0]
        cells[1].step(out0, (h[1],))
        eye = torch.eye(8, dtype=torch.float64).expand(2, 8, 8)
        top = cells[0].apply_jacobian(None, (eye[:, :4],))[0]
        bottom = cells[1].apply_jacobian(top, (eye[:, 4:],))[0]
    analytic = torch.cat([top, bottom], dim=1)
    for b in range(2):

        def step(flat, b=b):
            return rnn(x[b].view(1, 1, 2), flat.view(2, 1, 4))[1].reshape(-1)

        expected = jacobian(step, h[:, b].reshape(-1))
        assert torch.allclose(analytic[b], expected, atol=1e-12)
    assert analytic[:, :4, 4:].abs().max() == 0.0  # block lower-triangular
