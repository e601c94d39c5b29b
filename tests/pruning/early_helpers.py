"""Hand-built training contexts for the early mask tests (classifiers, no TrainingRun needed).

``linear_context`` wraps a bias-free linear classifier on seeded Gaussian data,
``cnn_context`` a small :class:`SmallVGG` on random 8x8 images (the digits shape). Both count
their optimizer resets in ``ctx.extras["resets"]`` and record the splits asked of
``ctx.batches`` in ``ctx.extras["splits"]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hyperprune.models.cnn import SmallVGG
from hyperprune.pruning.core.method import PruneContext

torch.set_num_threads(1)


class LinearClassifier(nn.Module):
    """``logits = x @ W.T`` with the weight in the ``linear`` group (no bias)."""

    def __init__(self, features: int, classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(features, classes, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))

    def prunable_groups(self) -> dict[str, list[str]]:
        return {"conv": [], "linear": ["fc.weight"], "classifier": [], "bias": []}


def _ce(model: nn.Module, batch) -> torch.Tensor:
    x, y = batch
    return F.cross_entropy(model(x), y)


def make_context(model: nn.Module, train: list, heldout: list, total_epochs: int = 3, seed: int = 0,
                 lr: float = 0.1) -> PruneContext:
    extras = {"train": train, "heldout": heldout, "resets": 0, "splits": []}

    def make_optimizer():
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def reset():
        extras["resets"] += 1
        ctx.optimizer = make_optimizer()
        return ctx.optimizer

    def batches(split, n):
        extras["splits"].append(split)
        return extras[split][:n]

    def evaluate(m, data):
        was = m.training
        m.eval()
        with torch.no_grad():
            value = float(sum(_ce(m, b) for b in data) / len(data))
        m.train(was)
        return value

    ctx = PruneContext(model=model, optimizer=make_optimizer(), task_kind="classifier",
                       total_epochs=total_epochs, steps_per_epoch=len(train),
                       generator=torch.Generator().manual_seed(seed + 100), batches=batches, loss=_ce,
                       evaluate=evaluate, reset_optimizer=reset, extras=extras)
    return ctx


def gaussian_batches(n_batches: int, size: int, features: int, signal: torch.Tensor, seed: int) -> list:
    """Batches of x ~ N(0, 1); the label is the argmax of ``x @ signal.T``."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_batches):
        x = torch.randn(size, features, generator=gen)
        out.append((x, (x @ signal.T).argmax(dim=1)))
    return out


def linear_context(features: int = 8, classes: int = 2, total_epochs: int = 3, seed: int = 0):
    torch.manual_seed(seed)
    signal = torch.zeros(classes, features)
    signal[0, 0], signal[1, 1] = 1.0, 1.0
    model = LinearClassifier(features, classes)
    train = gaussian_batches(4, 32, features, signal, seed + 1)
    heldout = gaussian_batches(4, 128, features, signal, seed + 2)
    return make_context(model, train, heldout, total_epochs, seed), signal


def cnn_context(channels=(4, 6, 8, 10), total_epochs: int = 3, seed: int = 0):
    torch.manual_seed(seed)
    model = SmallVGG((1, 8, 8), 10, channels=channels)
    gen = torch.Generator().manual_seed(seed + 1)
    batches = [(torch.rand(16, 1, 8, 8, generator=gen), torch.randint(0, 10, (16,), generator=gen))
               for _ in range(4)]
    return make_context(model, batches[:2], batches[2:], total_epochs, seed)


def drive(method, ctx: PruneContext, epochs) -> None:
    """The trainer's hook order over ``ctx.extras["train"]``, checking masks after every step."""
    for epoch in epochs:
        ctx.model.train()
        for batch in ctx.extras["train"]:
            ctx.optimizer.zero_grad()
            ctx.loss(ctx.model, batch).backward()
            method.before_step()
            ctx.optimizer.step()
            method.after_step()
            for name, param, mask in method.masks:
                assert torch.count_nonzero(param.detach()[~mask]) == 0, name
        method.at_epoch_end(epoch, {})
        method.masks.apply()
