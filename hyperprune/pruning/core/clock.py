"""The fair clock: how long a candidate has trained as the sparse network it finishes as.

A search ranks every candidate after the same number of epochs of training since its last
prune-and-rewind event (its *age*) and compares it with the dense reference at the same age.
Each method reports its clock (:meth:`~hyperprune.pruning.core.method.PruningMethod.clock`):

``start``       the epoch end of the last prune-and-rewind event (0 when the run never rewinds);
                epochs before it are the cost of finding the mask, not age
``settled_at``  the epoch end at which the mask became final (None while the method still
                searches it)
``restarts``    True while a prune-and-rewind event is still to come (the age will start over),
                so a young-looking age is not yet the candidate's clock

Example::

    Clock(0, 0).age(3)           # dense, DST, an early mask chosen at init -> 3
    Clock(4, 4).age(5)           # a lottery ticket rewound at the end of epoch 4 -> 1
    Clock(0, 2).rankable(2)      # pruned at epoch 2 without rewinding -> False (untrained since)
    Clock(0, 2).rankable(3)      # -> True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    start: int
    settled_at: int | None
    restarts: bool = False

    def age(self, epoch: int) -> int:
        """Epochs trained since the clock started (0 right after a rewind)."""
        return max(0, int(epoch) - self.start)

    @property
    def settled(self) -> bool:
        return self.settled_at is not None and not self.restarts

    def rankable(self, epoch: int) -> bool:
        """The mask is final and the network has trained at least one epoch since."""
        return self.settled and int(epoch) >= self.settled_at + 1 and self.age(epoch) >= 1

    def pre_clock_epochs(self) -> int:
        """Epochs trained before the clock started: the cost of finding the mask."""
        return self.start


#: the clock of a run that never prunes after setup (dense, DST, a mask chosen at init)
FROM_INIT = Clock(0, 0)
