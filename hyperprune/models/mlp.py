"""A fully connected classifier (LeNet-300-100 by default) for image arrays.

Example::

    model = MLP((1, 28, 28), 10)               # 784 -> 300 -> 100 -> 10
    logits = model(images)                     # images (N, 1, 28, 28)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from hyperprune.errors import UserError


def from_config(cfg, data) -> MLP:
    """The MLP of ``cfg`` sized for ``data`` (an ArrayData; the registry's builder)."""
    return MLP(data.input_shape, data.num_classes, tuple(cfg.mlp_hidden))


class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] per hidden size -> Linear classifier."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int, hidden: tuple[int, ...] = (300, 100)):
        super().__init__()
        if any(h < 1 for h in hidden):
            raise UserError(f"model.mlp_hidden sizes must be positive, got {list(hidden)}")
        sizes = [math.prod(input_shape), *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.classifier = nn.Linear(sizes[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.classifier(x)

    def prunable_groups(self) -> dict[str, list[str]]:
        """``linear`` = hidden weights, ``classifier`` = last weight; ``conv`` is empty here."""
        return {
            "linear": [f"hidden.{i}.weight" for i in range(len(self.hidden))],
            "classifier": ["classifier.weight"],
            "conv": [],
            "bias": [f"hidden.{i}.bias" for i in range(len(self.hidden))] + ["classifier.bias"],
        }
