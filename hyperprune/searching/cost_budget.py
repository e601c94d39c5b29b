"""Keep every candidate-epoch of a search within a small multiple of a plain training epoch.

Methods declare the passes they add to an epoch (:mod:`hyperprune.pruning.core.cost`). Before a
search starts, :func:`fit_to_budget` takes the worst case of every method of the space over its
ranges (the high end of every number, every combination of choices) and, where that exceeds
``MAX_EPOCH_FACTOR - 1`` plain epochs, lowers the high end of the method's cost
hyperparameters (the widest range first, halving it) until it fits, saying what it narrowed.
So no drawn candidate can hold a whole pool up at a rung for many epochs' time (one simulated
annealing candidate with 15,000 mask scorings did, before).

Example::

    space = fit_to_budget(load_space("all-methods"), spec_epoch_shape(spec), log=print)
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

from hyperprune.config import RunSpec
from hyperprune.pruning import METHODS, EpochShape, epoch_shape
from hyperprune.searching.space import Domain, MethodSpace, SearchSpace

#: a candidate-epoch costs at most this many plain training epochs
MAX_EPOCH_FACTOR = 3
#: most combinations of choices tried for a method's worst case
MAX_COMBINATIONS = 1024


def spec_epoch_shape(spec: RunSpec) -> EpochShape:
    """The training epoch of ``spec``: its batches per epoch (the data is read, nothing trains)."""
    import torch

    from hyperprune.data import Corpus, load_data
    from hyperprune.training.classifier_task import ClassifierTask
    from hyperprune.training.lm_task import LMTask

    data = load_data(spec.data)
    task_cls, kind = (LMTask, "lm") if isinstance(data, Corpus) else (ClassifierTask, "classifier")
    task = task_cls(data, spec.train, torch.device("cpu"), 0)
    return epoch_shape(kind, task.steps_per_epoch, spec.train.batch_size, spec.train.bptt)


def _settings(method: MethodSpace) -> list[dict]:
    """Hyperparameter settings that bound the method's cost: numbers at their high end, and
    every combination of the choices (the defaults where there are too many)."""
    declared = METHODS.get(method.method).HPARAMS
    base = {h.name: h.default for h in declared}
    choices = {}
    for name, domain in method.params.items():
        if domain.kind == "fixed":
            base[name] = domain.value
        elif domain.kind == "choice":
            choices[name] = domain.choices
        else:
            base[name] = int(domain.high) if domain.kind == "int" else domain.high
    combinations = 1
    for values in choices.values():
        combinations *= len(values)
    if combinations > MAX_COMBINATIONS:
        return [base]
    return [
        {**base, **dict(zip(choices, combo, strict=True))} for combo in itertools.product(*choices.values())
    ]


def worst_case_passes(method: MethodSpace, shape: EpochShape) -> float:
    """The most passes a candidate of ``method`` drawn from this space adds to one epoch."""
    cls = METHODS.get(method.method)
    return max(cls.extra_passes(hp, shape) for hp in _settings(method))


def _narrowed(domain: Domain) -> Domain | None:
    """``domain`` with its high end halved (on its grid), or None when it cannot shrink."""
    high = max(domain.low, domain.high / 2)
    if domain.kind == "int":
        high = float(int(high))
    if high >= domain.high or high <= domain.low:
        return None
    return dataclasses.replace(domain, high=high)


def fit_method(method: MethodSpace, shape: EpochShape, budget: float) -> tuple[MethodSpace, bool]:
    """``method`` with its cost ranges narrowed until the worst case fits ``budget`` passes;
    the flag says whether it fits."""
    cost_names = METHODS.get(method.method).COST_HPARAMS
    while worst_case_passes(method, shape) > budget:
        shrinkable = {}
        for name in cost_names:
            domain = method.params.get(name)
            if domain is not None and domain.kind in ("int", "float") and _narrowed(domain) is not None:
                shrinkable[name] = domain.high / max(domain.low, 1e-12)
        if not shrinkable:
            return method, False
        widest = max(shrinkable, key=shrinkable.get)
        params = {**method.params, widest: _narrowed(method.params[widest])}
        method = dataclasses.replace(method, params=params)
    return method, True


def fit_to_budget(
    space: SearchSpace,
    shape: EpochShape,
    log: Callable[[str], None] = lambda text: None,
    factor: float = MAX_EPOCH_FACTOR,
) -> SearchSpace:
    """``space`` with every method's cost ranges narrowed to keep a candidate-epoch within
    ``factor`` plain epochs; each change (and a method that cannot fit) is one ``log`` line."""
    budget = (factor - 1) * shape.plain_passes
    methods = []
    for method in space.methods:
        fitted, fits = fit_method(method, shape, budget)
        changes = [
            f"{method.method}.{name} at most {fitted.params[name].high:g} (was {domain.high:g})"
            for name, domain in method.params.items()
            if fitted.params[name] != domain
        ]
        if changes:
            log(
                f"search space: {', '.join(changes)}, so that a candidate-epoch costs at most {factor:g} "
                f"training epochs ({shape.plain_passes:g} forward passes each)"
            )
        if not fits:
            log(
                f"search space: {method.method} as given costs up to "
                f"{worst_case_passes(fitted, shape) / shape.plain_passes + 1:.1f} training epochs in one "
                f"epoch; narrow its {', '.join(METHODS.get(method.method).COST_HPARAMS) or 'settings'}"
            )
        methods.append(fitted)
    return dataclasses.replace(space, methods=tuple(methods))
