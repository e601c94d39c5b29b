"""Lyapunov spectra of recurrent networks and the LS distance used to rank pruned candidates.

Example::

    from hyperprune.lyapunov import language_model_spectrum, ls_distance, ls_eval_tokens

    tokens = ls_eval_tokens(valid_ids, batch_size=2, steps=35, seed=0)
    d = ls_distance(language_model_spectrum(pruned, tokens, warmup=10),
                    language_model_spectrum(dense, tokens, warmup=10))
"""

from hyperprune.lyapunov.distance import ls_distance, spectrum_gap, trajectory_distance
from hyperprune.lyapunov.eval_batch import ls_eval_tokens
from hyperprune.lyapunov.language_model import language_model_spectrum
from hyperprune.lyapunov.probe import LSProbe
from hyperprune.lyapunov.qr import positive_qr
from hyperprune.lyapunov.spectrum import lyapunov_spectrum

__all__ = ["LSProbe", "language_model_spectrum", "ls_distance", "ls_eval_tokens", "lyapunov_spectrum",
           "positive_qr", "spectrum_gap", "trajectory_distance"]
