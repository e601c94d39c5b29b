"""Mask units of dynamic sparse training: whole weight tensors, or gate blocks of RNN weights.

A *unit* is the piece of a weight that gets its own density budget, death and regrowth. By
default a unit is one whole parameter. With ``gatewise=True`` the input and recurrent weights
of gated recurrent layers are split into their stacked gate blocks: an ``nn.LSTM`` weight of
shape ``(4H, in)`` becomes four ``(H, in)`` units (input, forget, cell, output gates), an
``nn.GRU`` weight three, an RHN weight two (candidate, transform gate). Every block then keeps
its own density, so no gate can be starved by another.

Units address rows of the parameter, so ``unit.view(tensor)`` is a view that writes through.

Example::

    units = build_units(model, ["rnn.weight_hh_l0"], gatewise=True)
    [u.label for u in units]        # ['rnn.weight_hh_l0[0]', ..., 'rnn.weight_hh_l0[3]']
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Unit:
    """Rows ``start:stop`` of parameter ``name`` (the whole tensor when ``blocks == 1``)."""

    name: str
    block: int
    blocks: int
    start: int
    stop: int
    shape: tuple[int, ...]

    @property
    def label(self) -> str:
        return self.name if self.blocks == 1 else f"{self.name}[{self.block}]"

    @property
    def numel(self) -> int:
        count = 1
        for size in self.shape:
            count *= size
        return count

    def view(self, tensor: torch.Tensor) -> torch.Tensor:
        """Flat view of this unit's entries of ``tensor`` (a parameter-shaped tensor)."""
        return tensor[self.start:self.stop].view(-1)


def gate_blocks(model: nn.Module, name: str) -> int:
    """Number of stacked gate blocks in parameter ``name`` (1 when it is not a gated RNN weight).

    A recurrent module exposes ``hidden_size``; its ``weight_ih*`` / ``weight_hh*`` tensors
    stack ``k`` blocks of ``hidden_size`` rows (LSTM 4, GRU 3, RHN 2, plain RNN 1).
    """
    prefix, _, leaf = name.rpartition(".")
    if not (leaf.startswith("weight_ih") or leaf.startswith("weight_hh")):
        return 1
    module = model.get_submodule(prefix) if prefix else model
    hidden = getattr(module, "hidden_size", None)
    rows = dict(model.named_parameters())[name].shape[0]
    if not isinstance(hidden, int) or hidden <= 0 or rows % hidden:
        return 1
    return rows // hidden


def build_units(model: nn.Module, names: list[str], gatewise: bool) -> list[Unit]:
    """The units of the listed parameters, in order; gate blocks only when ``gatewise``."""
    params = dict(model.named_parameters())
    units: list[Unit] = []
    for name in names:
        shape = tuple(params[name].shape)
        blocks = gate_blocks(model, name) if gatewise else 1
        rows = shape[0] // blocks
        for block in range(blocks):
            units.append(Unit(name, block, blocks, block * rows, (block + 1) * rows, (rows, *shape[1:])))
    return units
