"""Narrow a search space so that every candidate can be ranked at the first rung.

A search ranks candidates by age (:mod:`hyperprune.pruning.core.clock`). A method that prunes
*without* rewinding (HALO, an early mask with ``rewind: false``) counts its age from init, so
at the first rung (age ``e0``) its mask must already be final and trained at least one epoch:
its prune epoch must be at most ``e0 - 1``. :func:`narrow_to_first_rung` lowers those
hyperparameters for the search (or drops a method that has no such value left) and says what it
changed, one line each. Where the bound applies only to some configurations (an early mask whose
``rewind`` is searched), the space repairs every proposal instead
(:attr:`~hyperprune.searching.space.SearchSpace.unrewound_prune_by`). Rewinding methods are never
narrowed: their clock starts at their rewind, whenever it comes.

Example::

    space = narrow_to_first_rung(load_space("all-methods"), e0=2, log=print)
    # search space: halo.prune_epoch at most 1 (was 5), so that it is pruned and trained ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from hyperprune.errors import UserError
from hyperprune.pruning import METHODS
from hyperprune.searching.space import Domain, MethodSpace, SearchSpace


def _why(e0: int) -> str:
    return (
        f"so that a candidate that prunes without rewinding is pruned and trained at least one "
        f"epoch by the first rung (--e0 {e0})"
    )


def _rewind_values(method: MethodSpace, defaults: dict) -> list:
    """The values of ``rewind`` a configuration of ``method`` can take in the space."""
    domain = method.params.get("rewind")
    if domain is None:
        return [defaults.get("rewind")]
    return list(domain.values())


def narrow_method(method: MethodSpace, e0: int) -> tuple[MethodSpace | None, str | None, bool]:
    """``method`` narrowed for a first rung at age ``e0``: (the method or None when nothing is
    left, the change in words or None, whether proposals need the conditional repair)."""
    cls = METHODS.get(method.method)
    name = cls.PRUNE_EPOCH_HPARAM
    if name is None:
        return method, None, False
    defaults = {h.name: h.default for h in cls.HPARAMS}
    unrewound = [
        v for v in _rewind_values(method, defaults) if cls.prunes_without_rewind({**defaults, "rewind": v})
    ]
    if not unrewound:
        return method, None, False
    bound = e0 - 1
    domain = method.params.get(name)
    declared = next(h for h in cls.HPARAMS if h.name == name)
    if domain is None:
        domain = Domain("fixed", value=defaults[name])
    values = domain.values()
    if max(values) <= bound:
        return method, None, False
    conditional = len(unrewound) < len(_rewind_values(method, defaults))
    where = " where rewind is false" if conditional else ""
    if conditional:
        return method, f"{method.method}.{name} at most {bound}{where} (was {max(values):g})", True
    left = [v for v in values if v <= bound]
    if not left:
        return (
            None,
            (
                f"{method.method} removed: it prunes without rewinding and its {name} is at least "
                f"{min(values):g} (declared low {declared.low:g})"
            ),
            False,
        )
    if len(left) == 1:
        narrowed = Domain("fixed", value=left[0])
    else:
        narrowed = dataclasses.replace(domain, high=float(max(left)))
    params = {**method.params, name: narrowed}
    return (
        dataclasses.replace(method, params=params),
        f"{method.method}.{name} at most {bound} (was {max(values):g})",
        False,
    )


def narrow_to_first_rung(
    space: SearchSpace, e0: int, log: Callable[[str], None] = lambda text: None
) -> SearchSpace:
    """``space`` with every prune-without-rewind epoch at most ``e0 - 1`` (see the module docstring);
    one ``log`` line per change; a space left without a method is a one-line error."""
    methods = []
    conditional = False
    for method in space.methods:
        narrowed, change, repair = narrow_method(method, e0)
        if change is not None:
            log(f"search space: {change}, {_why(e0)}")
        conditional = conditional or repair
        if narrowed is not None:
            methods.append(narrowed)
    if not methods:
        raise UserError(
            f"search space {space.name}: no method can be ranked at --e0 {e0} (each prunes without "
            "rewinding later); raise --e0 or let them rewind"
        )
    return dataclasses.replace(
        space, methods=tuple(methods), unrewound_prune_by=e0 - 1 if conditional else None
    )
