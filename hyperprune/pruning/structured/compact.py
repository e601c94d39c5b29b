"""The physically pruned network of a run: CNN filters or recurrent hidden units removed."""

from __future__ import annotations

from typing import Any

from torch import nn

from hyperprune.pruning.structured.filter_removal import remove_filters
from hyperprune.pruning.structured.filters import FilterMaskSet, dead_filters
from hyperprune.pruning.structured.hidden_unit_removal import remove_units
from hyperprune.pruning.structured.hidden_units import UnitMaskSet, dead_units


def compact_model(run_or_model: Any, method: Any = None) -> nn.Module:
    """The physically pruned network of a training run (or of a model): CNN filters or RNN units.

    ``run_or_model`` is a ``TrainingRun`` (its ``.model`` and ``.method`` are used) or a model.
    Kept filters (CNN) or hidden units (recurrent language model, see
    :mod:`~hyperprune.pruning.structured.hidden_unit_removal`) come from ``method``'s
    :class:`FilterMaskSet` / :class:`UnitMaskSet` when it has one, otherwise from the weights: every filter or unit whose output is exactly zero is
    removed. Returns a new model; the given one is not changed.

    Example::

        small = compact_model(run)          # after training with structure=filters or units
        torch.save(small.state_dict(), "compact.pt")
    """
    model = getattr(run_or_model, "model", run_or_model)
    if method is None:
        method = getattr(run_or_model, "method", None)
    if not isinstance(model, nn.Module):
        raise TypeError("compact_model needs a TrainingRun or an nn.Module")
    masks = getattr(method, "masks", None)
    if isinstance(masks, UnitMaskSet):
        return remove_units(model, masks.units())
    if hasattr(model, "rnn"):
        return remove_units(model, [~vector for vector in dead_units(model)])
    if isinstance(masks, FilterMaskSet):
        keep = masks.filters()
    else:
        keep = [~vector for vector in dead_filters(model)]
    return remove_filters(model, {i: vector.cpu() for i, vector in enumerate(keep)})
