"""A small VGG-style CNN whose structure is plain enough to remove filters physically.

``features`` is a list of :class:`ConvBlock` (3x3 conv, batch norm, ReLU, then a 2x2 max-pool
while the feature map is at least 2 pixels wide), followed by global average pooling and a
linear ``classifier``. Removing filter ``k`` of block ``i`` means slicing ``features[i].conv``'s
out-channels and ``features[i].bn``, then the in-channels of ``features[i+1].conv`` (or the
in-features of ``classifier`` for the last block).

Example::

    model = SmallVGG((1, 8, 8), 10)            # works on 8x8 digits, 28x28 MNIST, 32x32 CIFAR
    logits = model(images)
"""

from __future__ import annotations

import torch
from torch import nn

from hyperprune.errors import UserError


class ConvBlock(nn.Module):
    """conv 3x3 (padding 1) -> batch norm -> ReLU -> optional 2x2 max-pool."""

    def __init__(self, in_channels: int, out_channels: int, pool: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(out_channels)
        self.pool = bool(pool)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn(self.conv(x)))
        return nn.functional.max_pool2d(x, 2) if self.pool else x


def from_config(cfg, data) -> SmallVGG:
    """The CNN of ``cfg`` sized for ``data`` (an ArrayData; the registry's builder)."""
    return SmallVGG(data.input_shape, data.num_classes, tuple(cfg.cnn_channels))


class SmallVGG(nn.Module):
    """Conv blocks with halving resolution, global average pooling and a linear classifier."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int,
                 channels: tuple[int, ...] = (16, 32, 64, 128)) -> None:
        super().__init__()
        if len(input_shape) != 3:
            raise UserError(f"the CNN needs images shaped (C, H, W), got input shape {tuple(input_shape)}")
        if not channels or any(c < 1 for c in channels):
            raise UserError(f"model.cnn_channels must be positive filter counts, got {list(channels)}")
        in_channels, height, width = input_shape
        size = min(height, width)
        blocks = []
        for out_channels in channels:
            pool = size >= 2
            blocks.append(ConvBlock(in_channels, out_channels, pool))
            size = size // 2 if pool else size
            in_channels = out_channels
        self.features = nn.ModuleList(blocks)
        self.classifier = nn.Linear(in_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.features:
            x = block(x)
        return self.classifier(x.mean(dim=(2, 3)))

    def prunable_groups(self) -> dict[str, list[str]]:
        """conv weights, classifier weight, batch-norm scales, all biases (``linear`` is empty)."""
        n = len(self.features)
        return {
            "conv": [f"features.{i}.conv.weight" for i in range(n)],
            "linear": [],
            "classifier": ["classifier.weight"],
            "batchnorm": [f"features.{i}.bn.weight" for i in range(n)],
            "bias": [f"features.{i}.{m}.bias" for i in range(n) for m in ("conv", "bn")] + ["classifier.bias"],
        }
