"""The LS measurement the search uses for a training run: same fixed batch for every network.

The evaluation batch is drawn once from the validation split with the search seed
(:func:`~hyperprune.lyapunov.ls_eval_tokens`), so the dense reference and every candidate are
measured on identical inputs. Under NT-ASGD the averaged (masked) weights are measured, the
same weights that are evaluated and saved.
"""

from __future__ import annotations

import torch

from hyperprune.lyapunov import language_model_spectrum, ls_distance, ls_eval_tokens
from hyperprune.lyapunov.unit_spectrum import spectrum_network, spectrum_width


def eval_tokens(run, seed: int) -> torch.Tensor:
    cfg = run.spec.train
    tokens = ls_eval_tokens(run.data.valid, cfg.ls_batch_size, cfg.ls_steps + cfg.ls_warmup, seed)
    return tokens.to(run.device)


def run_spectrum(run, tokens: torch.Tensor) -> list[float]:
    """The run's current Lyapunov spectrum (QR order) as a list of floats.

    A run with hidden-unit masks is measured on its compacted network (one exponent per kept
    unit; see :func:`~hyperprune.lyapunov.unit_spectrum.spectrum_network`).
    """
    cfg = run.spec.train
    with run.evaluation_weights():
        network = spectrum_network(run)
        k = None if cfg.ls_k is None else min(cfg.ls_k, spectrum_width(network))
        spectrum = language_model_spectrum(network, tokens, k=k, warmup=cfg.ls_warmup)
    return [float(x) for x in spectrum.cpu()]


def spectrum_distance(a: list[float], b: list[float]) -> float:
    """L2 distance; spectra of different lengths on their common leading exponents."""
    return float(ls_distance(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)))
