"""Exact keep-the-top-k selections over masked tensors: one global pivot or one per tensor.

Every selection here keeps an exact number of weights, so a method lands on its target
sparsity to the weight. Scores are ranked strictly: entries with equal scores are ordered by
their position (tensor order first, then flat index), the earlier one kept first. That makes
the result deterministic even when many weights tie (for example exact zeros).

* :func:`global_keep` ranks all alive entries of all tensors together (one pivot): a tensor
  whose weights are small loses more of them.
* :func:`layerwise_keep` splits the kept count over tensors in proportion to what each has
  alive (largest remainders), then ranks inside each tensor: every tensor loses the same
  fraction of its alive weights.
* :func:`er_keep` splits it in proportion to each tensor's Erdos-Renyi share (``ER``/``ERK``
  of :mod:`~hyperprune.pruning.core.layer_allocation`, capped at what the tensor has alive), then ranks
  inside each tensor.

Scores are usually ``|w|`` (:func:`magnitude_scores`) or uniform noise drawn from a
generator (:func:`random_scores`, which then chooses uniformly among alive weights).

Example::

    scores = magnitude_scores(masks)
    n_keep = kept_count(masks.total(), 0.8)         # weights left at 80 % sparsity
    new = global_keep(scores, masks.masks, n_keep)  # dict name -> bool tensor
"""

from __future__ import annotations

import torch

from hyperprune.pruning.core.allocation import allocate, bounded_allocation
from hyperprune.pruning.core.layer_allocation import er_shares
from hyperprune.pruning.core.masks import MaskSet

Tensors = dict[str, torch.Tensor]


def magnitude_scores(masks: MaskSet) -> Tensors:
    """``|w|`` of every masked parameter (detached copies)."""
    return {name: param.detach().abs().clone() for name, param, _ in masks}


def random_scores(masks: MaskSet, generator: torch.Generator) -> Tensors:
    """Uniform noise per weight from ``generator``: ranking it picks alive weights uniformly."""
    scores = {}
    for name, param, _ in masks:
        noise = torch.rand(param.shape, generator=generator, dtype=torch.float64)
        scores[name] = noise.to(param.device)
    return scores


def _top_positions(values: torch.Tensor, k: int) -> torch.Tensor:
    """Positions of the ``k`` largest ``values``; ties go to the lower position."""
    if k <= 0:
        return torch.zeros(0, dtype=torch.long, device=values.device)
    order = torch.sort(values.double(), descending=True, stable=True).indices
    return order[:k]


def global_keep(scores: Tensors, alive: Tensors, n_keep: int) -> Tensors:
    """Keep the ``n_keep`` alive entries with the largest score over all tensors together."""
    names = list(alive)
    total_alive = sum(int(alive[n].sum()) for n in names)
    if not 0 <= n_keep <= total_alive:
        raise ValueError(f"cannot keep {n_keep} of {total_alive} alive weights")
    flat_scores = [scores[n].reshape(-1)[alive[n].reshape(-1)].double().cpu() for n in names]
    flat_pos = [alive[n].reshape(-1).nonzero().squeeze(1).cpu() for n in names]
    chosen = _top_positions(torch.cat(flat_scores), n_keep)
    offsets = [0]
    for part in flat_scores:
        offsets.append(offsets[-1] + part.numel())
    out = {}
    for i, name in enumerate(names):
        inside = chosen[(chosen >= offsets[i]) & (chosen < offsets[i + 1])] - offsets[i]
        mask = torch.zeros(alive[name].numel(), dtype=torch.bool)
        mask[flat_pos[i][inside]] = True
        out[name] = mask.reshape(alive[name].shape).to(alive[name].device)
    return out


def layerwise_keep(scores: Tensors, alive: Tensors, n_keep: int) -> Tensors:
    """Keep ``n_keep`` alive entries in all, the same fraction of each tensor's alive entries."""
    names = list(alive)
    counts = [int(alive[n].sum()) for n in names]
    if not 0 <= n_keep <= sum(counts):
        raise ValueError(f"cannot keep {n_keep} of {sum(counts)} alive weights")
    out = {}
    for name, k in zip(names, allocate(counts, n_keep), strict=True):
        out.update(global_keep({name: scores[name]}, {name: alive[name]}, k))
    return out


def er_keep(scores: Tensors, alive: Tensors, n_keep: int, mode: str) -> Tensors:
    """Keep ``n_keep`` alive entries in all, split over tensors by their ER/ERK share."""
    names = list(alive)
    counts = [int(alive[n].sum()) for n in names]
    if not 0 <= n_keep <= sum(counts):
        raise ValueError(f"cannot keep {n_keep} of {sum(counts)} alive weights")
    shares = er_shares([alive[n].shape for n in names], [alive[n].numel() for n in names], mode)
    out = {}
    for name, k in zip(names, bounded_allocation(n_keep, shares, [0] * len(names), counts), strict=True):
        out.update(global_keep({name: scores[name]}, {name: alive[name]}, k))
    return out


def keep_top(scores: Tensors, alive: Tensors, n_keep: int, scope: str) -> Tensors:
    """Dispatch on ``scope``: ``"global"``, ``"layerwise"`` (= ``"uniform"``), ``"ER"`` or ``"ERK"``."""
    if scope == "global":
        return global_keep(scores, alive, n_keep)
    if scope in ("layerwise", "uniform"):
        return layerwise_keep(scores, alive, n_keep)
    if scope in ("ER", "ERK"):
        return er_keep(scores, alive, n_keep, scope)
    raise ValueError(f"scope must be one of global, layerwise, uniform, ER, ERK; got {scope!r}")


def prune_to(masks: MaskSet, scores: Tensors, n_keep: int, scope: str = "global") -> None:
    """Shrink ``masks`` in place to ``n_keep`` alive weights and zero the pruned weights."""
    new = keep_top(scores, masks.masks, n_keep, scope)
    for name in masks.names:
        masks.masks[name] = new[name] & masks.masks[name]
    masks.apply()
