"""Rewinding: put a model's parameters back to an earlier copy, or re-initialise them.

Iterative pruning methods train, prune, then restart the survivors from earlier weights.
What is rewound is every parameter of the model (prunable or not); buffers such as batch-norm
running statistics keep their current values. After a rewind the masks are applied again, so
pruned weights stay exactly zero.

Example::

    start = snapshot(model)          # at init, or at the end of some epoch
    ...                              # train, prune
    restore(model, start, masks)     # survivors back to their start values
"""

from __future__ import annotations

import torch
from torch import nn

from hyperprune.pruning.core.masks import MaskSet


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """Detached copies of all parameters, by name."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


@torch.no_grad()
def restore(model: nn.Module, saved: dict[str, torch.Tensor], masks: MaskSet | None = None) -> None:
    """Copy ``saved`` into the model's parameters, then re-apply ``masks``."""
    params = dict(model.named_parameters())
    missing = sorted(set(params) - set(saved))
    if missing:
        raise ValueError(f"rewind point lacks parameter {missing[0]!r}")
    for name, param in params.items():
        param.copy_(saved[name])
    if masks is not None:
        masks.apply()


@torch.no_grad()
def reinitialise(model: nn.Module, generator: torch.Generator, masks: MaskSet | None = None) -> None:
    """Fresh weights from each module's ``reset_parameters``, seeded from ``generator``.

    Modules are reset innermost first, so a container's own initialiser wins; a model with a
    custom initialiser method ``_init_weights`` (the language models) gets it applied last.
    The global random state is left as it was: the draw happens inside a forked RNG whose
    seed comes from ``generator``, so the result depends only on the method's own generator.
    """
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in reversed(list(model.modules())):
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
        custom = getattr(model, "_init_weights", None)
        if callable(custom):
            custom()
    if masks is not None:
        masks.apply()
