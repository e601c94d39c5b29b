"""HALO: a learned adaptive-lasso penalty, then one-shot global magnitude pruning and fine-tuning.

Every prunable weight ``w_j`` gets a learnable coefficient ``lambda_j > 0``; the training loss
adds (variant ``halo``)::

    xi * sum_j |w_j| / lambda_j**2  +  psi * sum_j lambda_j

For a fixed ``w_j`` the coefficient's part ``xi |w_j| / l**2 + psi l`` has its minimum where
``-2 xi |w_j| / l**3 + psi = 0``, i.e. ``lambda*_j = (2 xi |w_j| / psi) ** (1/3)``; at that
point the penalty is ``1.89 xi**(1/3) psi**(2/3) |w_j|**(1/3)``: small weights are pushed to
zero much harder than large ones (a learned bridge penalty).

Variants: ``l1`` keeps every ``lambda_j`` fixed at ``lambda_init`` (a weighted lasso);
``sws`` shares one coefficient, ``xi ||w||_1 / l**2 + psi l**2`` (optimum
``l* = (xi ||w||_1 / psi) ** (1/4)``).

Differences from the reference implementation, on purpose:

* ``lambda = softplus(rho) + 1e-3``: always positive, so ``1/lambda**2`` cannot blow up to
  NaN (the reference's raw lambda could reach 0).
* The coefficients have their own plain SGD (momentum 0.9, lr ``coef_lr``) and **no weight
  decay** (the reference's weight decay dragged lambda towards 0). Their update uses the
  coefficient objective divided by ``psi`` (same minimiser), clipped to [-1, 1] per
  coefficient, so ``coef_lr`` does not have to track the scale of ``xi`` and ``psi``. The
  penalty added to the task loss treats lambda as a constant, so the model's optimizer only
  sees its effect on the weights.
* Pruning: the reference pruned once after training with no fine-tuning. Here the one-shot
  global ``|w|`` pruning to the exact target happens at the end of epoch ``prune_epoch``,
  followed by masked fine-tuning (with the penalty still on). The pruned weights keep training
  (no rewind), so the run's age counts from init (:mod:`hyperprune.pruning.core.clock`): a
  search narrows ``prune_epoch`` to before its first rung. Configurations saved with the
  earlier ``prune_at`` (a fraction of the run) load with the epoch it meant.

Each weight carries a coefficient, so the prunable part of the model takes twice the memory.

Example::

    run = TrainingRun(spec, method="halo", sparsity=0.8, hparams={"xi": 1e-6, "psi": 1e-6})
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hyperprune.pruning.core.clock import Clock
from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.core.kept_count import kept_count
from hyperprune.pruning.core.layer_allocation import ALLOCATIONS
from hyperprune.pruning.core.layer_sets import layer_names
from hyperprune.pruning.core.method import PruneContext, PruningMethod
from hyperprune.pruning.core.top_k import magnitude_scores, prune_to

LAMBDA_FLOOR = 1e-3
COEF_GRAD_CLIP = 1.0
COEF_MOMENTUM = 0.9


def lambda_of(rho: torch.Tensor) -> torch.Tensor:
    """The positive coefficient behind the free parameter ``rho``."""
    return F.softplus(rho) + LAMBDA_FLOOR


def rho_for(value: float) -> float:
    """Inverse of :func:`lambda_of` for a scalar."""
    x = value - LAMBDA_FLOOR
    return x + math.log(-math.expm1(-x))


#: sweeps over the weights per step: the penalty and its backward pass
PENALTY_SWEEPS = 3
#: sweeps per step for the coefficients: objective, its gradient, clipping and the SGD step
COEFFICIENT_SWEEPS = 5


class Halo(PruningMethod):
    name = "halo"
    summary = "learned adaptive-lasso penalty (HALO), then one-shot global magnitude pruning + fine-tune"
    HPARAMS = (
        HParam("xi", "float", 1e-8, 1e-10, 1e-4, log=True, help="weight of sum |w| / lambda^2"),
        HParam("psi", "float", 1e-8, 1e-10, 1e-4, log=True, help="weight of the penalty on lambda"),
        HParam("lambda_init", "float", 1.0, 0.1, 10.0, help="starting value of every coefficient"),
        HParam("coef_lr", "float", 0.01, 1e-4, 1.0, log=True, help="SGD learning rate of the coefficients"),
        HParam("variant", "choice", "halo", choices=("halo", "l1", "sws"),
               help="halo: one learned lambda per weight; l1: lambda fixed; sws: one shared lambda"),
        HParam("prune_epoch", "int", 1, 1, 5, step=1,
               help="epoch at whose end the weights are pruned to the target (then fine-tuned)"),
        HParam("allocation", "choice", "global", choices=ALLOCATIONS,
               help="how the kept weights are spread over layers (see the early-mask methods)"),
    )

    PRUNE_EPOCH_HPARAM = "prune_epoch"

    @classmethod
    def prunes_without_rewind(cls, hp):
        return True

    @classmethod
    def upgrade_hparams(cls, hp, run_epochs):
        """``prune_at`` (a fraction of the run, as saved before) becomes the epoch it meant."""
        if "prune_at" not in hp:
            return dict(hp)
        hp = dict(hp)
        fraction = float(hp.pop("prune_at"))
        epoch = min(max(math.ceil(fraction * run_epochs - 1e-9), 1), max(run_epochs, 1))
        hp.setdefault("prune_epoch", min(epoch, int(next(h.high for h in cls.HPARAMS if h.name == "prune_epoch"))))
        return hp

    @classmethod
    def effective_hparams(cls, hp):
        # l1 keeps every coefficient at lambda_init: nothing learns them, and psi weighs no term
        if hp.get("variant") == "l1":
            return {k: v for k, v in hp.items() if k not in ("coef_lr", "psi")}
        return dict(hp)

    @classmethod
    def extra_passes(cls, hp, shape):
        # per step: the penalty and its gradient, and the coefficients' objective, gradient and step
        return shape.sweeps(shape.steps * (PENALTY_SWEEPS + COEFFICIENT_SWEEPS))

    def __init__(self, sparsity: float, hparams: dict[str, Any] | None = None) -> None:
        super().__init__(sparsity, hparams)
        self.rhos: list[torch.Tensor] = []
        self.coef_optimizer: torch.optim.Optimizer | None = None
        self.prune_epoch = 0
        self.pruned = False

    def prunable_names(self, model: nn.Module, task_kind: str) -> list[str]:
        return layer_names(model, task_kind, "all")

    def setup(self, ctx: PruneContext) -> None:
        super().setup(ctx)
        start = rho_for(self.hp["lambda_init"])
        variant = self.hp["variant"]
        if variant == "sws":
            device = self.masks.params[self.masks.names[0]].device
            self.rhos = [torch.full((), start, dtype=torch.float32, device=device)]
        else:
            self.rhos = [torch.full_like(p, start, dtype=torch.float32) for _, p, _ in self.masks]
        for rho in self.rhos:
            rho.requires_grad_(variant != "l1")
        if variant != "l1":
            self.coef_optimizer = torch.optim.SGD(self.rhos, lr=self.hp["coef_lr"], momentum=COEF_MOMENTUM)
        self.prune_epoch = int(self.hp["prune_epoch"])

    def clock(self) -> Clock:
        if self.sparsity <= 0.0:
            return Clock(0, 0)
        return Clock(0, self.prune_epoch if self.pruned else None)

    # -- penalty and coefficients -------------------------------------------------------------
    def coefficients(self) -> list[torch.Tensor]:
        """Current lambda values (one tensor per prunable tensor, or one scalar for ``sws``)."""
        return [lambda_of(rho.detach()) for rho in self.rhos]

    def penalty(self) -> torch.Tensor | None:
        self.ctx.work.add_sweeps(PENALTY_SWEEPS)
        xi, psi = self.hp["xi"], self.hp["psi"]
        lams = self.coefficients()
        weights = [p for _, p, _ in self.masks]
        if self.hp["variant"] == "sws":
            lam = lams[0]
            l1 = sum(w.abs().sum() for w in weights)
            return xi * l1 / lam**2 + psi * lam**2
        total = sum((w.abs() / lam.to(w.dtype) ** 2).sum() for w, lam in zip(weights, lams, strict=True))
        if self.hp["variant"] == "halo":
            return xi * total + psi * sum(lam.sum() for lam in lams)
        return xi * total

    def coefficient_objective(self) -> torch.Tensor:
        """The coefficients' objective divided by ``psi`` (weights held constant)."""
        ratio = self.hp["xi"] / self.hp["psi"]
        absw = [p.detach().abs().float() for _, p, _ in self.masks]
        lams = [lambda_of(rho) for rho in self.rhos]
        if self.hp["variant"] == "sws":
            return ratio * sum(a.sum() for a in absw) / lams[0] ** 2 + lams[0] ** 2
        return sum((ratio * a / lam**2 + lam).sum() for a, lam in zip(absw, lams, strict=True))

    def step_coefficients(self) -> None:
        """One SGD step of the coefficients toward their optimum for the current weights."""
        if self.coef_optimizer is None:
            return
        self.ctx.work.add_sweeps(COEFFICIENT_SWEEPS)
        grads = torch.autograd.grad(self.coefficient_objective(), self.rhos)
        for rho, g in zip(self.rhos, grads, strict=True):
            rho.grad = g.clamp(-COEF_GRAD_CLIP, COEF_GRAD_CLIP)
        self.coef_optimizer.step()
        self.coef_optimizer.zero_grad(set_to_none=True)

    # -- hooks --------------------------------------------------------------------------------
    def after_step(self) -> None:
        self.masks.apply()
        self.step_coefficients()

    def at_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if self.pruned or epoch < self.prune_epoch or self.sparsity <= 0.0:
            return
        prune_to(self.masks, magnitude_scores(self.masks), kept_count(self.masks.total(), self.sparsity),
                 self.hp["allocation"])
        self.pruned = True
        self.ctx.optimizer = self.ctx.reset_optimizer()

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "masks": self.masks.state_dict(),
            "rhos": [rho.detach().clone() for rho in self.rhos],
            "coef_optimizer": None if self.coef_optimizer is None
            else copy.deepcopy(self.coef_optimizer.state_dict()),
            "pruned": self.pruned,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.masks.load_state_dict(state["masks"])
        with torch.no_grad():
            for rho, saved in zip(self.rhos, state["rhos"], strict=True):
                rho.copy_(saved)
        if self.coef_optimizer is not None:
            self.coef_optimizer.load_state_dict(copy.deepcopy(state["coef_optimizer"]))
        self.pruned = bool(state["pruned"])
