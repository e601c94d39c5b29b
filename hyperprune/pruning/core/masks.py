"""The mask core: binary masks on named parameters, kept exactly zero where masked.

Which tensors are prunable is explicit: a model names its parameter groups through
``prunable_groups()`` (for example ``embedding``, ``recurrent``, ``decoder``, ``conv``,
``linear``, ``batchnorm``, ``bias``) and a method chooses groups with :func:`select_parameters`.

Example::

    names = select_parameters(model, ("embedding", "recurrent", "decoder"))
    masks = MaskSet(model, names)
    masks.masks["rnn.weight_hh_l0"][:10] = False
    masks.apply()                      # masked weights become exactly 0.0
    report = sparsity_report(model, names)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import torch
from torch import nn

from hyperprune.errors import UserError


def parameter_groups(model: nn.Module) -> dict[str, list[str]]:
    """Group name -> parameter names. Uses ``model.prunable_groups()`` when the model has it."""
    if hasattr(model, "prunable_groups"):
        return {group: list(names) for group, names in model.prunable_groups().items()}
    groups: dict[str, list[str]] = {}
    for module_name, module in model.named_modules():
        for pname, _ in module.named_parameters(recurse=False):
            full = f"{module_name}.{pname}" if module_name else pname
            if pname.startswith("bias"):
                group = "bias"
            elif isinstance(module, nn.Embedding):
                group = "embedding"
            elif isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):
                group = "recurrent"
            elif isinstance(module, nn.Conv2d):
                group = "conv"
            elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                group = "batchnorm"
            else:
                group = "linear"
            groups.setdefault(group, []).append(full)
    return groups


def select_parameters(model: nn.Module, groups: Iterable[str]) -> list[str]:
    """Names of the parameters in ``groups``, in model order; an unknown group is an error."""
    available = parameter_groups(model)
    wanted = list(groups)
    missing = [g for g in wanted if g not in available]
    if missing:
        raise UserError(
            f"model has no parameter group {missing[0]!r}; it has: {', '.join(sorted(available))}"
        )
    chosen = {name for g in wanted for name in available[g]}
    return [name for name, _ in model.named_parameters() if name in chosen]


class MaskSet:
    """Boolean masks (True = kept) for a fixed list of named parameters of ``model``."""

    def __init__(self, model: nn.Module, names: Iterable[str]) -> None:
        params = dict(model.named_parameters())
        self.names = list(names)
        unknown = [n for n in self.names if n not in params]
        if unknown:
            raise ValueError(f"model has no parameter {unknown[0]!r}")
        self.params: dict[str, nn.Parameter] = {n: params[n] for n in self.names}
        self.masks: dict[str, torch.Tensor] = {
            n: torch.ones_like(p, dtype=torch.bool) for n, p in self.params.items()
        }

    def __iter__(self) -> Iterator[tuple[str, nn.Parameter, torch.Tensor]]:
        for name in self.names:
            yield name, self.params[name], self.masks[name]

    def __len__(self) -> int:
        return len(self.names)

    @torch.no_grad()
    def apply(self) -> None:
        """Zero every masked weight (and, for optimizers with averaged copies, nothing else)."""
        for _, param, mask in self:
            param.masked_fill_(~mask, 0.0)

    @torch.no_grad()
    def mask_gradients(self) -> None:
        for _, param, mask in self:
            if param.grad is not None:
                param.grad.masked_fill_(~mask, 0.0)

    def total(self) -> int:
        return sum(m.numel() for m in self.masks.values())

    def kept(self) -> int:
        return int(sum(int(m.sum()) for m in self.masks.values()))

    def sparsity(self) -> float:
        total = self.total()
        return 1.0 - self.kept() / total if total else 0.0

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {n: m.clone() for n, m in self.masks.items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        if set(state) != set(self.names):
            raise UserError("checkpoint masks do not match this model's prunable parameters")
        for name in self.names:
            mask = state[name]
            if mask.shape != self.params[name].shape:
                raise UserError(f"checkpoint mask {name!r} has shape {tuple(mask.shape)}, "
                                f"model has {tuple(self.params[name].shape)}")
            self.masks[name] = mask.to(device=self.params[name].device, dtype=torch.bool).clone()
        self.apply()


def sparsity_report(model: nn.Module, names: Iterable[str] | None = None) -> dict:
    """Per-layer total / nonzero / density counted from the weights themselves.

    ``global`` summarises the listed (prunable) parameters, ``all_parameters`` the whole model.
    """
    params = dict(model.named_parameters())
    chosen = list(names) if names is not None else list(params)
    layers = {}
    for name in chosen:
        p = params[name].detach()
        total = p.numel()
        nonzero = int(torch.count_nonzero(p))
        layers[name] = {"total": total, "nonzero": nonzero, "density": nonzero / total if total else 0.0}
    total = sum(v["total"] for v in layers.values())
    nonzero = sum(v["nonzero"] for v in layers.values())
    all_total = sum(p.numel() for p in params.values())
    all_nonzero = sum(int(torch.count_nonzero(p.detach())) for p in params.values())
    return {
        "layers": layers,
        "global": {
            "total": total,
            "nonzero": nonzero,
            "density": nonzero / total if total else 0.0,
            "sparsity": 1.0 - nonzero / total if total else 0.0,
        },
        "all_parameters": {
            "total": all_total,
            "nonzero": all_nonzero,
            "density": all_nonzero / all_total if all_total else 0.0,
        },
    }
