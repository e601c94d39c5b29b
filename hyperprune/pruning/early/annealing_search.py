"""Simulated annealing over binary masks with a fixed kept count.

The search state is one flat bool vector (True = kept). A move swaps ``h`` kept units with
``h`` pruned ones, so the kept count never changes; with ``groups`` (a layer id per unit)
every swap stays inside one layer, so the per-layer counts never change either.

Schedule (after the EEE 198 early-pruning thesis, with an evaluation budget):

* temperature ``i`` is ``t0 * decay**i`` and runs ``min(cap, start * multiplier**i)`` moves;
* the Hamming distance ``h`` starts at ``hamming * kept`` and decays by ``hamming_decay`` per
  temperature; when it falls below half of its anchor it is reset to 0.75 of that anchor;
* a candidate whose energy ``E`` is below the running mean of the energies accepted at this
  temperature is accepted, otherwise with probability ``exp(-(E - mean) / T)``;
* the last ``memory`` masks are remembered by hash; a move that lands on one is redrawn up to
  ``retries`` times;
* the search stops after ``evaluations`` energy evaluations (the start counts as one) and
  returns the best mask seen.

Example::

    result = anneal(start, energy, AnnealingSchedule(evaluations=200), generator)
    best = result.best            # same number of True entries as start
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass(frozen=True)
class AnnealingSchedule:
    t0: float = 0.005
    decay: float = 0.99
    iters_start: float = 2.0
    iters_multiplier: float = 1.005
    iters_cap: int = 10
    hamming: float = 0.01
    hamming_decay: float = 0.99
    memory: int = 50
    retries: int = 30
    evaluations: int = 150


@dataclass
class AnnealingResult:
    best: torch.Tensor
    best_energy: float
    start_energy: float
    evaluations: int
    accepted: int
    temperatures: int
    energies: list[float] = field(default_factory=list)


class MaskMemory:
    """The hashes of the last ``size`` masks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.order: deque[bytes] = deque()
        self.seen: set[bytes] = set()

    @staticmethod
    def digest(mask: torch.Tensor) -> bytes:
        packed = np.packbits(mask.numpy().astype(np.uint8))
        return hashlib.blake2b(packed.tobytes(), digest_size=16).digest()

    def __contains__(self, mask: torch.Tensor) -> bool:
        return self.size > 0 and self.digest(mask) in self.seen

    def add(self, mask: torch.Tensor) -> None:
        if self.size <= 0:
            return
        key = self.digest(mask)
        if key in self.seen:
            return
        self.order.append(key)
        self.seen.add(key)
        if len(self.order) > self.size:
            self.seen.discard(self.order.popleft())


def _pick(indices: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    return indices[torch.randperm(len(indices), generator=generator)[:count]]


def propose(mask: torch.Tensor, hamming: int, groups: torch.Tensor | None,
            generator: torch.Generator) -> torch.Tensor | None:
    """``mask`` with ``hamming`` kept units swapped for pruned ones (None when no swap exists)."""
    if groups is None:
        groups = torch.zeros(mask.numel(), dtype=torch.long)
    n_groups = int(groups.max()) + 1 if groups.numel() else 0
    kept_per = torch.bincount(groups[mask], minlength=n_groups)
    pruned_per = torch.bincount(groups[~mask], minlength=n_groups)
    capacity = torch.minimum(kept_per, pruned_per)
    if int(capacity.sum()) == 0:
        return None
    draws = torch.multinomial(capacity.double(), hamming, replacement=True, generator=generator)
    swaps = torch.minimum(torch.bincount(draws, minlength=n_groups), capacity)
    new = mask.clone()
    for g in swaps.nonzero().flatten().tolist():
        in_group = groups == g
        new[_pick((in_group & mask).nonzero().flatten(), int(swaps[g]), generator)] = False
        new[_pick((in_group & ~mask).nonzero().flatten(), int(swaps[g]), generator)] = True
    return new


def planned_moves(iters_start: float, iters_multiplier: float, iters_cap: int | None = None) -> Iterator[int]:
    """The moves each temperature runs, one per temperature (``iters_cap``: a cap on each; None:
    uncapped), before the search's evaluation budget cuts the last one short."""
    iterations = float(iters_start)
    while True:
        planned = int(iterations) if iters_cap is None else min(iters_cap, int(iterations))
        yield max(1, planned)
        iterations *= iters_multiplier


def busiest_temperature(iters_start: float, iters_multiplier: float, evaluations: int) -> int:
    """The most moves one temperature runs before ``evaluations`` scorings are spent, with no
    cap on the moves per temperature: a cap at least this large never binds."""
    done, most = 1, 0  # the start mask is the first scoring
    for moves in planned_moves(iters_start, iters_multiplier):
        if done >= evaluations:
            return most
        moves = min(moves, evaluations - done)
        most, done = max(most, moves), done + moves
    return most  # unreachable: the plan never ends


def anneal(start: torch.Tensor, energy: Callable[[torch.Tensor], float], schedule: AnnealingSchedule,
           generator: torch.Generator, groups: torch.Tensor | None = None) -> AnnealingResult:
    """Minimise ``energy`` over masks with the kept count (per group) of ``start``."""
    current = start.detach().to("cpu", torch.bool).flatten().clone()
    current_energy = float(energy(current))
    result = AnnealingResult(current.clone(), current_energy, current_energy, 1, 0, 0, [current_energy])
    memory = MaskMemory(schedule.memory)
    memory.add(current)
    anchor = max(1.0, schedule.hamming * int(current.sum()))
    hamming = anchor
    plan = planned_moves(schedule.iters_start, schedule.iters_multiplier, schedule.iters_cap)
    step = 0
    while result.evaluations < schedule.evaluations:
        temperature = schedule.t0 * schedule.decay ** step
        accepted_here = [current_energy]
        for _ in range(next(plan)):
            if result.evaluations >= schedule.evaluations:
                break
            candidate = None
            for _attempt in range(schedule.retries + 1):
                candidate = propose(current, max(1, round(hamming)), groups, generator)
                if candidate is None or candidate not in memory:
                    break
            if candidate is None:  # everything kept or everything pruned: nothing to search
                return result
            value = float(energy(candidate))
            memory.add(candidate)
            result.evaluations += 1
            result.energies.append(value)
            if value < result.best_energy:
                result.best, result.best_energy = candidate.clone(), value
            delta = value - sum(accepted_here) / len(accepted_here)
            if delta < 0 or float(torch.rand((), generator=generator, dtype=torch.float64)) < math.exp(
                    -delta / max(temperature, 1e-300)):
                current, current_energy = candidate, value
                accepted_here.append(value)
                result.accepted += 1
        step += 1
        result.temperatures = step
        hamming *= schedule.hamming_decay
        if hamming < anchor / 2:
            anchor *= 0.75
            hamming = max(1.0, anchor)
    return result
