"""The LS measurement of a language model as a search takes it: fixed batches, averaged.

A probe holds ``ls_batches`` fixed evaluation batches of the validation split, each of
``ls_batch_size`` windows of ``ls_warmup + ls_steps`` tokens. Batch 0 is chosen by the search
seed alone, batch ``i > 0`` by a seed derived from it, so the dense reference and every candidate
are measured on identical inputs. The spectrum is the mean over every window of every batch,
computed in one call (the windows form one larger batch of the engine). Under NT-ASGD the
averaged (masked) weights are measured: the weights that are evaluated and saved.

Example::

    probe = LSProbe.for_run(run, seed=0)
    spectrum = probe.spectrum(run)          # list of floats, QR order
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hyperprune.config import stable_hash
from hyperprune.lyapunov.eval_batch import ls_eval_tokens
from hyperprune.lyapunov.language_model import language_model_spectrum


def batch_seed(seed: int, index: int) -> int:
    """Seed of evaluation batch ``index``: the search seed itself for batch 0."""
    if index == 0:
        return int(seed)
    return int(stable_hash({"ls_seed": int(seed), "batch": int(index)}, 8), 16) % (2**31 - 1)


@dataclass
class LSProbe:
    tokens: torch.Tensor  # (warmup + steps, batches * batch_size)
    warmup: int
    k: int | None = None

    @classmethod
    def build(cls, valid: torch.Tensor, *, batch_size: int, steps: int, warmup: int, batches: int,
              seed: int, k: int | None = None, device: str | torch.device = "cpu") -> LSProbe:
        if batches < 1:
            raise ValueError(f"batches must be at least 1, got {batches}")
        parts = [ls_eval_tokens(valid, batch_size, steps + warmup, batch_seed(seed, i)) for i in range(batches)]
        return cls(torch.cat(parts, dim=1).to(device), warmup, k)

    @classmethod
    def for_run(cls, run, seed: int) -> LSProbe:
        """The probe a training run's spec asks for, on the run's validation split and device."""
        cfg = run.spec.train
        return cls.build(run.data.valid, batch_size=cfg.ls_batch_size, steps=cfg.ls_steps,
                         warmup=cfg.ls_warmup, batches=cfg.ls_batches, seed=seed, k=cfg.ls_k,
                         device=run.device)

    def spectrum_of(self, model: torch.nn.Module) -> list[float]:
        """The mean spectrum of ``model`` over every window, as a list of floats."""
        spectrum = language_model_spectrum(model, self.tokens, k=self.k, warmup=self.warmup)
        return [float(x) for x in spectrum.cpu()]

    def spectrum(self, run) -> list[float]:
        """The spectrum of a training run's evaluated weights (the averages under NT-ASGD)."""
        with run.evaluation_weights():
            return self.spectrum_of(run.model)
