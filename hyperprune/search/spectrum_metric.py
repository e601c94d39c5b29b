"""The LS measurement the search uses for a training run: same fixed batch for every network.

The evaluation batch is drawn once from the validation split with the search seed
(:func:`~hyperprune.lyapunov.ls_eval_tokens`), so the dense reference and every candidate are
measured on identical inputs. Under NT-ASGD the averaged (masked) weights are measured, the
same weights that are evaluated and saved.
"""

from __future__ import annotations

import torch

from hyperprune.lyapunov import language_model_spectrum, ls_eval_tokens


def eval_tokens(run, seed: int) -> torch.Tensor:
    cfg = run.spec.train
    tokens = ls_eval_tokens(run.data.valid, cfg.ls_batch_size, cfg.ls_steps + cfg.ls_warmup, seed)
    return tokens.to(run.device)


def run_spectrum(run, tokens: torch.Tensor) -> list[float]:
    """The run's current Lyapunov spectrum (QR order) as a list of floats."""
    cfg = run.spec.train
    with run.evaluation_weights():
        spectrum = language_model_spectrum(run.model, tokens, k=cfg.ls_k, warmup=cfg.ls_warmup,
                                           qr_every=cfg.ls_qr_every, dtype=getattr(torch, cfg.ls_dtype))
    return [float(x) for x in spectrum.cpu()]


def spectrum_distance(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise ValueError(f"spectra of different length: {len(a)} and {len(b)}")
    return float(torch.linalg.vector_norm(torch.tensor(a, dtype=torch.float64) - torch.tensor(b, dtype=torch.float64)))
