"""language_model_spectrum on a small stand-in language model (``.rnn`` and ``.embed``)."""

import torch
from torch import nn

from hyperprune.lyapunov import language_model_spectrum, ls_eval_tokens, lyapunov_spectrum


class TinyLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Embedding(50, 6)
        self.rnn = nn.LSTM(6, 5, num_layers=2, dropout=0.5)
        self.drop = nn.Dropout(0.5)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.encoder(tokens)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.rnn(self.drop(self.embed(tokens)))[0]


def _tokens() -> torch.Tensor:
    return ls_eval_tokens(torch.randint(0, 50, (400,), generator=torch.Generator().manual_seed(0)), 3, 12, 0)


def test_spectrum_is_the_batch_mean_in_qr_order():
    torch.manual_seed(0)
    model = TinyLM().double()
    tokens = _tokens()
    spectrum = language_model_spectrum(model, tokens, warmup=2)
    per_sample = lyapunov_spectrum(model.rnn, model.embed(tokens).detach(), warmup=2)
    assert spectrum.shape == (10,)
    assert torch.allclose(spectrum, per_sample.mean(dim=0), atol=1e-12)
    assert language_model_spectrum(model, tokens, warmup=2, k=3).shape == (3,)
    assert language_model_spectrum(model, tokens, state="hc").shape == (20,)


def test_training_flags_are_restored_and_dropout_is_off():
    torch.manual_seed(1)
    model = TinyLM()
    model.train()
    model.drop.eval()  # a mixed state must come back exactly
    tokens = _tokens()
    first = language_model_spectrum(model, tokens, warmup=1)
    assert model.training and model.rnn.training and model.encoder.training
    assert not model.drop.training
    second = language_model_spectrum(model.eval(), tokens, warmup=1)
    assert not model.training
    assert torch.equal(first, second)
    assert not first.requires_grad
