"""Simulated annealing early pruning (EEE 198 thesis, Sanchez and Reyes, 2020).

After K dense epochs, search masks with a fixed kept count by simulated annealing
(:mod:`hyperprune.pruning.early.annealing_search`). A mask's score is measured on the epoch-K weights with
the mask applied: the mean loss, or for classifiers by default the error rate (1 - accuracy),
on ``heldout_batches`` batches of the held-out slice of the training data (the reference
scored the same first training images it also trained on). The search starts from the
magnitude mask of the epoch-K weights (or a random one) and stops after ``evaluations``
scores; the best mask found is kept and, with ``rewind``, applied to the initial weights.

Units: single weights for MLPs and language models (one global kept count), whole conv
filters for the CNN with ``structure=filters`` (kept counts fixed per conv layer; swaps stay
within a layer, so no layer is ever emptied and the conv-weight sparsity stays on target).

Example::

    method = build_method("sa", 0.8, {"score_epoch": 1, "evaluations": 300})
"""

from __future__ import annotations

import torch

from hyperprune.errors import UserError
from hyperprune.pruning.core.hparams import HParam
from hyperprune.pruning.early.annealing_search import AnnealingSchedule, anneal, busiest_temperature
from hyperprune.pruning.early.early_mask import EarlyMaskMethod, early_hparams


def _error_rate(model: torch.nn.Module, batches: list) -> float:
    wrong = total = 0
    with torch.no_grad():
        for inputs, targets in batches:
            predicted = model(inputs).argmax(dim=-1)
            wrong += int((predicted != targets).sum())
            total += targets.numel()
    return wrong / max(total, 1)


class SimulatedAnnealing(EarlyMaskMethod):
    name = "sa"
    summary = "simulated annealing over fixed-count masks scored on held-out data, then rewind"
    HPARAMS = early_hparams(score_epoch=1) + (
        HParam("init", "choice", "magnitude", choices=("magnitude", "random"),
               help="start mask: magnitude of the epoch-K weights, or uniformly random"),
        HParam("objective", "choice", "auto", choices=("auto", "loss", "accuracy"),
               help="score of a mask: auto = accuracy for classifiers, loss for language models"),
        HParam("evaluations", "int", 150, low=10, high=20000, step=1, log=True,
               help="budget: total mask scorings (the start included)"),
        HParam("heldout_batches", "int", 2, low=1, high=32, step=1,
               help="held-out batches every mask is scored on"),
        HParam("t0", "float", 0.005, low=1e-4, high=1.0, log=True, help="initial temperature"),
        HParam("decay", "float", 0.99, low=0.9, high=0.9999, help="temperature factor per step"),
        HParam("iters_start", "int", 2, low=1, high=20, step=1, help="moves at the first temperature"),
        HParam("iters_multiplier", "float", 1.005, low=1.0, high=1.1,
               help="growth of the moves per temperature"),
        HParam("iters_cap", "int", 10, low=1, high=100, step=1, help="most moves per temperature"),
        HParam("hamming", "float", 0.01, low=0.001, high=1.0, log=True,
               help="first move size: swapped units as a fraction of the kept count"),
        HParam("hamming_decay", "float", 0.99, low=0.9, high=1.0, help="move-size factor per temperature"),
        HParam("memory", "int", 50, low=0, high=500, step=1, help="recent masks not revisited"),
        HParam("retries", "int", 30, low=0, high=100, step=1, help="redraws of a move into memory"),
    )

    COST_HPARAMS = ("evaluations", "heldout_batches")

    @classmethod
    def effective_hparams(cls, hp):
        inert = cls._inert_search_settings(hp)
        return {k: v for k, v in super().effective_hparams(hp).items() if k not in inert}

    @classmethod
    def _inert_search_settings(cls, hp) -> set[str]:
        """Search settings that cannot change the search: a cap on the moves per temperature that
        the schedule never reaches within the budget, and the memory of visited masks without
        redraws (or the redraws without a memory)."""
        full = {**{h.name: h.default for h in cls.HPARAMS}, **hp}
        inert = set()
        if full["iters_cap"] >= busiest_temperature(full["iters_start"], full["iters_multiplier"],
                                                    full["evaluations"]):
            inert.add("iters_cap")
        if full["retries"] == 0:
            inert.add("memory")
        if full["memory"] == 0:
            inert.add("retries")
        return inert

    @classmethod
    def extra_passes(cls, hp, shape):
        # every scored mask is one forward pass over each held-out batch, all in the search epoch
        return float(hp["evaluations"] * hp["heldout_batches"])

    def schedule(self) -> AnnealingSchedule:
        hp = self.hp
        return AnnealingSchedule(
            t0=hp["t0"], decay=hp["decay"], iters_start=hp["iters_start"],
            iters_multiplier=hp["iters_multiplier"], iters_cap=hp["iters_cap"], hamming=hp["hamming"],
            hamming_decay=hp["hamming_decay"], memory=hp["memory"], retries=hp["retries"],
            evaluations=hp["evaluations"],
        )

    def _uses_accuracy(self) -> bool:
        objective = self.hp["objective"]
        return objective == "accuracy" or (objective == "auto" and self.ctx.task_kind == "classifier")

    def choose(self) -> dict[str, torch.Tensor]:
        ctx, space = self.ctx, self.space
        model = ctx.model
        batches = ctx.batches("heldout", int(self.hp["heldout_batches"]))
        accuracy = self._uses_accuracy()
        if accuracy and ctx.task_kind != "classifier":
            raise UserError("sa: objective=accuracy needs a classifier; use objective=loss for language models")
        if self.hp["init"] == "magnitude":
            start = space.top(self.to_units(self.scores()))
        else:
            start = space.random(self.rng)
        snapshot = {name: p.detach().clone() for name, p in model.named_parameters()}
        model.eval()

        @torch.no_grad()
        def energy(flat: torch.Tensor) -> float:
            for name, p in model.named_parameters():
                p.copy_(snapshot[name])
            self.set_units(space.unflatten(flat))
            if not accuracy:
                return float(ctx.evaluate(model, batches))
            ctx.work.add(len(batches))
            return _error_rate(model, batches)

        groups = space.layer_ids() if space.scope != "global" or space.bounded else None
        try:
            result = anneal(space.flatten(start), energy, self.schedule(), self.rng, groups)
        finally:
            with torch.no_grad():
                for name, p in model.named_parameters():
                    p.copy_(snapshot[name])
        self.info.update(start_score=result.start_energy, best_score=result.best_energy,
                         evaluations=float(result.evaluations), accepted=float(result.accepted),
                         temperatures=float(result.temperatures))
        return space.unflatten(result.best)
