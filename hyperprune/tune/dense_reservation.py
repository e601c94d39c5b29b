"""Resources set aside for the dense runs of a search, for as long as they train.

A dense task runs inside a placement group of one bundle (its CPUs and GPUs) made for it, or
for a chain of noise-floor draws that train in turn in it (the bundle holds one task's
resources, so Ray starts the next when the one before ends). Candidates waiting for the dense
reference hold their own resources; without the bundle, a dense task retried after its worker
died would queue behind them while they wait for it. With it, the retry starts in the bundle
its first attempt had. The bundle is given back as soon as its last run's result is stored
(:func:`release`), so the candidates get the resources after.

Example::

    reservation = reserve({"cpu": 1, "gpu": 0}, "reference")
    ref = ray.remote(train).options(**task_options(reservation, retries=3)).remote(...)
    ...
    release(reservation)
"""

from __future__ import annotations

import contextlib
import dataclasses
import time

#: seconds a reservation may take to be placed before :meth:`Reservation.wait_placed` says it waits
QUIET_WAIT_S = 2.0


@dataclasses.dataclass
class Reservation:
    group: object  # ray.util.placement_group.PlacementGroup
    cpus: float
    gpus: float
    since: float  # time.monotonic() when it was asked for
    _placed: bool = False

    def placed(self) -> bool:
        """Whether Ray has set the bundle aside yet (it waits while others hold the resources)."""
        if not self._placed:
            # The state Ray's control store holds: a zero-timeout ``wait`` asks a fresh readiness
            # task, which can answer "not yet" for a bundle placed a moment before.
            from ray.util.placement_group import placement_group_table

            self._placed = placement_group_table(self.group).get("state") == "CREATED"
        return self._placed

    def waited_s(self) -> float:
        return time.monotonic() - self.since

    def wait_placed(self, timeout_s: float | None, log=print, label: str = "") -> bool:
        """Wait until Ray has set the bundle aside (at most ``timeout_s`` seconds since it was
        asked for; None: for as long as it takes), saying so when it takes more than
        :data:`QUIET_WAIT_S`; whether it has. A run whose candidates start only after its bundle
        is placed cannot be left waiting behind them: on a Ray shared with a search that just
        ended, whose resources are still being given back, the candidates' own bundles could
        otherwise be placed first and take every CPU while they wait for it."""
        import ray

        ready = self.group.ready()
        if not ray.wait([ready], timeout=QUIET_WAIT_S if timeout_s is None else min(QUIET_WAIT_S, timeout_s))[0]:
            log(f"{label}: waiting for {self.cpus:g} CPU, {self.gpus:g} GPU to be free")
            left = None if timeout_s is None else max(0.0, timeout_s - self.waited_s())
            if not ray.wait([ready], timeout=left)[0]:
                return False
        self._placed = True
        return True


def reserve(resources: dict, name: str) -> Reservation:
    """A one-bundle placement group with a dense run's CPUs and GPUs (``{"cpu": .., "gpu": ..}``)."""
    from ray.util.placement_group import placement_group

    cpus, gpus = float(resources.get("cpu", 1)), float(resources.get("gpu", 0) or 0)
    bundle = {"CPU": cpus, **({"GPU": gpus} if gpus else {})}
    return Reservation(placement_group([bundle]), cpus, gpus, time.monotonic())


def task_options(reservation: Reservation, retries: int) -> dict:
    """``.options()`` of a task that runs in the reservation (and is retried there)."""
    from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

    return {
        "num_cpus": reservation.cpus,
        "num_gpus": reservation.gpus,
        "max_retries": retries,
        "retry_exceptions": False,
        "scheduling_strategy": PlacementGroupSchedulingStrategy(
            reservation.group, placement_group_bundle_index=0
        ),
    }


def release(reservation: Reservation | None) -> None:
    """Give the resources back (nothing when there is no reservation)."""
    if reservation is None:
        return
    from ray.util.placement_group import remove_placement_group

    with contextlib.suppress(Exception):  # already removed, or Ray is gone: nothing is held any more
        remove_placement_group(reservation.group)
