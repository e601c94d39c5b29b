"""The LS of a language model as the search measures it (reference protocol, h0 = 0).

Example::

    tokens = ls_eval_tokens(valid_ids, batch_size=2, steps=35, seed=0)
    spectrum = language_model_spectrum(model, tokens, warmup=10)      # (num_layers * H,)
    distance = ls_distance(spectrum, dense_spectrum)
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from hyperprune.lyapunov.spectrum import lyapunov_spectrum


def language_model_spectrum(
    model: nn.Module,
    tokens: Tensor,
    *,
    k: int | None = None,
    warmup: int = 0,
    state: str = "h",
    qr_every: int = 1,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """Batch-mean Lyapunov spectrum of ``model.rnn`` driven by ``model.embed(tokens)``.

    ``model`` needs ``.rnn`` (a module :func:`lyapunov_spectrum` accepts) and
    ``.embed(tokens (T, B)) -> (T, B, E)``, the embedding without dropout. The state starts
    at zero; the model runs in eval mode and every submodule's training flag is restored
    afterwards. Returns ``(k,)`` exponents in QR order, unsorted like the reference system,
    so distances compare exponent ``i`` of one network with exponent ``i`` of the other.

    ``qr_every`` is passed to :func:`lyapunov_spectrum`; ``dtype`` (``None``: the model's own)
    computes the spectrum on a copy of the recurrent module in that precision.
    """
    if not isinstance(tokens, Tensor) or tokens.dim() != 2:
        raise ValueError("tokens must be a (T, B) tensor of token ids")
    flags = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            inputs = model.embed(tokens)
            rnn = model.rnn
            if dtype is not None and dtype != inputs.dtype:
                rnn = copy.deepcopy(rnn).to(dtype)
                inputs = inputs.to(dtype)
            spectrum = lyapunov_spectrum(
                rnn, inputs, None, k=k, warmup=warmup, state=state, qr_every=qr_every
            )
        return spectrum.mean(dim=0)
    finally:
        for module, flag in flags:
            module.training = flag
