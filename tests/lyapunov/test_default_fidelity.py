"""The search's default LS setting (float32, a QR every few steps, a shorter evaluation batch)
ranks differently pruned networks like the exact spectrum (float64, a QR every step, the
reference batch), which itself is checked against the autograd oracle elsewhere."""

import torch
from scipy.stats import spearmanr
from torch import nn

from hyperprune.config import TrainConfig
from hyperprune.lyapunov import language_model_spectrum, ls_eval_tokens


class _LM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Embedding(60, 24)
        self.rnn = nn.LSTM(24, 24, num_layers=2)

    def embed(self, tokens):
        return self.encoder(tokens)


def _pool() -> list[nn.Module]:
    torch.manual_seed(0)
    dense = _LM()
    networks = [dense]
    for i, sparsity in enumerate((0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)):
        pruned = _LM()
        pruned.load_state_dict(dense.state_dict())
        gen = torch.Generator().manual_seed(i)
        with torch.no_grad():
            for name, param in pruned.rnn.named_parameters():
                if name.startswith("weight"):
                    param.mul_((torch.rand(param.shape, generator=gen) >= sparsity).float())
        networks.append(pruned)
    return networks


def _distances(networks, tokens, **kwargs) -> list[float]:
    spectra = [language_model_spectrum(net, tokens, **kwargs).double() for net in networks]
    return [torch.linalg.vector_norm(s - spectra[0]).item() for s in spectra[1:]]


def test_default_setting_ranks_a_pool_like_the_exact_spectrum():
    cfg = TrainConfig()
    assert cfg.ls_qr_every > 1 and cfg.ls_dtype == "float32"  # the default is an approximation
    corpus = torch.randint(0, 60, (2000,), generator=torch.Generator().manual_seed(1))
    networks = _pool()
    exact_tokens = ls_eval_tokens(corpus, 2, 35 + cfg.ls_warmup, seed=0)
    exact = _distances(networks, exact_tokens, warmup=cfg.ls_warmup, qr_every=1, dtype=torch.float64)
    tokens = ls_eval_tokens(corpus, cfg.ls_batch_size, cfg.ls_steps + cfg.ls_warmup, seed=0)
    default = _distances(networks, tokens, warmup=cfg.ls_warmup, qr_every=cfg.ls_qr_every, dtype=torch.float32)
    assert spearmanr(default, exact).statistic >= 0.95
