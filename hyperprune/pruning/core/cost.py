"""What a pruning method costs beyond plain training, counted in forward passes.

The unit is one forward pass over one training batch; a training step (forward and backward)
counts 3. A plain training epoch therefore costs ``3 * steps_per_epoch`` passes. Methods whose
work is not training epochs declare the most passes they add to any single epoch
(:meth:`~hyperprune.pruning.core.method.PruningMethod.extra_passes`), so that a search space can
keep every candidate-epoch within a small multiple of a plain one, and count the passes they
actually spend on :class:`WorkCounter` (``ctx.work``); the trainer reports them per epoch.

Work that sweeps over the weights instead of the data (a penalty, an optimiser of per-weight
coefficients) counts ``1 / batch_items`` pass per sweep: a forward pass touches every weight
once per token (or sample) of the batch.

Example::

    shape = EpochShape(steps=60, batch_items=700)
    shape.plain_passes                                      # 180
    SimulatedAnnealing.extra_passes({"evaluations": 150, "heldout_batches": 2, ...}, shape)  # 300
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: passes of one training step: the forward pass and a backward pass of about twice its cost
STEP_PASSES = 3


@dataclass(frozen=True)
class EpochShape:
    """The size of one training epoch: batches per epoch and tokens (or samples) per batch."""

    steps: int
    batch_items: int

    @property
    def plain_passes(self) -> float:
        return STEP_PASSES * self.steps

    def sweeps(self, count: float) -> float:
        """``count`` sweeps over the weights, in passes."""
        return count / max(self.batch_items, 1)


class WorkCounter:
    """The passes a method has spent; :meth:`take` returns and clears them (once per epoch)."""

    def __init__(self, shape: EpochShape) -> None:
        self.shape = shape
        self.passes = 0.0

    def add(self, passes: float) -> None:
        self.passes += float(passes)

    def add_sweeps(self, count: float) -> None:
        self.passes += self.shape.sweeps(count)

    def take(self) -> float:
        spent, self.passes = self.passes, 0.0
        return spent


def epoch_shape(task_kind: str, steps: int, batch_size: int, bptt: int) -> EpochShape:
    """The shape of a training epoch of ``steps`` batches (``bptt`` tokens deep for language models)."""
    return EpochShape(steps=int(steps), batch_items=int(batch_size * (bptt if task_kind == "lm" else 1)))


def counted(loss: Callable, evaluate: Callable, work: WorkCounter) -> tuple[Callable, Callable]:
    """``loss`` and ``evaluate`` of a :class:`~hyperprune.pruning.core.method.PruneContext` that count
    their passes on ``work``: a loss counts as a step (its caller may differentiate it), an
    evaluation one pass per batch."""

    def counted_loss(model, batch):
        work.add(STEP_PASSES)
        return loss(model, batch)

    def counted_evaluate(model, batches):
        work.add(len(batches))
        return evaluate(model, batches)

    return counted_loss, counted_evaluate
