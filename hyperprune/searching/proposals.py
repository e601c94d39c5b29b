"""The pool a random search proposes, without Ray: the same candidates, ids and seeds.

A random searcher does not learn from scores, so its pool depends only on the space, the run
settings (which narrow costly hyperparameters, :func:`~.cost_budget.fit_to_budget`), the master
seed and ``max_evals``: :func:`random_pool` asks the same backend the search asks, drops a
proposal identical to an earlier one (:func:`~.candidate_key.candidate_key`) as the search's
seeder does, and numbers the candidates ``c000``, ``c001``... in proposal order, as the seeder
does. ``hyperprune calibrate`` (random searcher, the default) trains exactly these candidates.

Example::

    pool = random_pool("reference", spec, sparsity=0.67, seed=0, max_evals=24)
"""

from __future__ import annotations

from collections.abc import Callable

from hyperprune.config import RunSpec


def space_sparsity(space_ref: str, sparsity: float | None) -> float:
    """The target sparsity a search over ``space_ref`` uses: the given one, the space's, else 0.67."""
    from hyperprune.searching.space import load_space

    return float(sparsity if sparsity is not None else (load_space(space_ref).sparsity or 0.67))


def random_pool(
    space_ref: str,
    spec: RunSpec,
    *,
    sparsity: float | None,
    seed: int,
    max_evals: int,
    e0: int = 2,
    log: Callable[[str], None] = lambda text: None,
) -> list[dict]:
    """The ``max_evals`` distinct candidates the search's seeder launches with the random backend:
    the space narrowed for the cost budget and the first rung ``e0`` as a search narrows it, each
    duplicate answered by a fresh proposal (a random draw after ``DUPLICATE_RETRIES`` in a row), the
    pool ending smaller after ``GIVE_UP_AFTER`` duplicates in a row."""
    from hyperprune.searching.candidate_key import candidate_key
    from hyperprune.searching.cost_budget import fit_to_budget, spec_epoch_shape
    from hyperprune.searching.first_rung import narrow_to_first_rung
    from hyperprune.searching.pool_seeding import DUPLICATE_RETRIES, GIVE_UP_AFTER
    from hyperprune.searching.searchers import SEARCHERS
    from hyperprune.searching.space import load_space

    target = space_sparsity(space_ref, sparsity)
    space = narrow_to_first_rung(fit_to_budget(load_space(space_ref), spec_epoch_shape(spec), log=log), e0, log=log)
    backend = SEARCHERS.get("random")(space, seed=seed)
    explore = getattr(backend, "ask_random", None)
    seen: set[str] = set()
    pool = []
    repeats = 0
    while len(pool) < max_evals and repeats < GIVE_UP_AFTER:
        at_random = repeats >= DUPLICATE_RETRIES and explore is not None
        _, proposal = explore() if at_random else backend.ask()
        key = candidate_key(proposal["method"], target, proposal["hparams"])
        if key in seen:
            repeats += 1
            continue
        repeats = 0
        seen.add(key)
        pool.append(
            {
                "candidate_id": f"c{len(pool):03d}",
                "method": proposal["method"],
                "sparsity": target,
                "hparams": proposal["hparams"],
                "seed": seed,
            }
        )
    return pool
