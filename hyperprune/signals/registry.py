"""The registry of early signals, and what a signal is.

A :class:`Signal` names the measurements (*inputs*) it reads, per candidate and epoch, and
scores a whole rung at once: :meth:`Signal.score` gets, for each input, a matrix of shape
``(candidates, epoch)`` holding epochs ``1..epoch`` of every candidate waiting at the rung, and
returns one score per candidate, lower is better. A score that is not finite means the
candidate cannot be ranked (it diverged). Signals that look at one candidate at a time set
``rung_wide = False``; a signal that compares candidates (a rank combination) sets it True, so
its score of a candidate depends on who else is at the rung.

The inputs are the measurements a search reports with every epoch:

* ``ls``: the LS distance to the dense reference (the search's ``--ls-distance`` variant;
  ``ls_distance`` in the pool and in a trial's results),
* ``ls-trajectory``: the trajectory variant of the LS distance (a search ranking by it measures
  that variant; a calibration computes it offline from the recorded spectra),
* ``loss``: the validation loss (``val_loss``).

Each signal lives in its own module and registers itself here, lazily.

Example::

    >>> import numpy as np
    >>> get_signal("loss").score({"loss": np.array([[3.0, 2.0], [2.5, 2.4]])}, epoch=2, final_epoch=8).tolist()
    [2.0, 2.4]
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from hyperprune.registry import Registry

#: input name -> the key of a trial's result (and the pool column) that holds it in a search
INPUT_KEYS = {"ls": "ls_distance", "ls-trajectory": "ls_distance", "loss": "val_loss"}


class Signal(ABC):
    """Base class of a signal: implement ``score`` (and set the class attributes)."""

    name: str = ""
    label: str = ""
    inputs: tuple[str, ...] = ()
    task_kinds: tuple[str, ...] = ("lm", "classifier")
    rung_wide: bool = False
    #: search options a search ranking by this signal needs besides ``metric`` (e.g. the LS variant)
    search_flags: dict = {}

    @abstractmethod
    def score(self, inputs: dict[str, np.ndarray], epoch: int, final_epoch: int) -> np.ndarray:
        """Every candidate's score at ``epoch`` (lower is better) from its inputs of epochs 1..epoch."""

    def result_keys(self) -> dict[str, str]:
        """Input name -> the key of a search's trial result that carries it."""
        return {name: INPUT_KEYS[name] for name in self.inputs}

    def primary_key(self) -> str:
        """The result key shown as the ranking value in progress lines (the first input's)."""
        return INPUT_KEYS[self.inputs[0]]


SIGNALS = Registry("early signal")
SIGNALS.register("ls", "hyperprune.signals.ls:LSDistance")
SIGNALS.register("ls-trajectory", "hyperprune.signals.ls_trajectory:LSTrajectory")
SIGNALS.register("loss", "hyperprune.signals.loss:ValidationLoss")
SIGNALS.register("rank", "hyperprune.signals.rank:RankCombination")
SIGNALS.register("loss-extrapolation", "hyperprune.signals.loss_extrapolation:LossExtrapolation")

ORDER = ("ls", "ls-trajectory", "loss", "rank", "loss-extrapolation")


def get_signal(name: str) -> Signal:
    """The signal registered as ``name`` (an instance); a one-line UserError for an unknown name."""
    entry = SIGNALS.get(name)
    return entry() if isinstance(entry, type) else entry


def signal_names() -> list[str]:
    """Every registered signal, in the documented order (then any others)."""
    return list(ORDER) + [n for n in SIGNALS.names() if n not in ORDER]


def signals_for(task_kind: str) -> list[str]:
    """The signals a task kind can be ranked by (the LS signals need a recurrent language model)."""
    return [n for n in signal_names() if task_kind in get_signal(n).task_kinds]


def latest(inputs: dict[str, np.ndarray], name: str, epoch: int) -> np.ndarray:
    """Every candidate's ``name`` input at ``epoch`` (NaN where missing)."""
    values = np.asarray(inputs[name], dtype=float)
    if values.ndim != 2 or values.shape[1] < epoch:
        raise ValueError(
            f"input {name!r} needs epochs 1..{epoch} of every candidate, got shape {values.shape}"
        )
    return values[:, epoch - 1]
