"""Which network the LS of a run is measured on: the compacted one when hidden units are pruned.

A removed unit's state is exactly zero and its Jacobian row and column are zero, so measured on
the masked network it would add a collapsed direction (``log r_ii`` at the QR floor) per
removed unit. Measuring the physically smaller network instead gives one exponent per kept
unit; distances to the dense spectrum use the common leading exponents
(:mod:`~hyperprune.lyapunov.common_length`).
"""

from __future__ import annotations

from torch import nn


def spectrum_network(run) -> nn.Module:
    """``run.model``, or its compacted copy when the run's method prunes hidden units."""
    from hyperprune.pruning import UnitMaskSet, compact_model

    if isinstance(getattr(run.method, "masks", None), UnitMaskSet):
        return compact_model(run.model, run.method)
    return run.model


def spectrum_width(model: nn.Module) -> int:
    """The state dimension of a language model's recurrent part (its number of exponents)."""
    rnn = model.rnn
    return int(sum(rnn.hidden_sizes)) if hasattr(rnn, "hidden_sizes") else int(rnn.num_layers * rnn.hidden_size)
