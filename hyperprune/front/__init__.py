"""A search over several target sparsities ends with a front: per level the winner, measured.

:mod:`~hyperprune.front.pareto` finds the non-dominated candidates, :mod:`~hyperprune.front.measure`
measures a finished candidate (kept parameters counted from its weights, export size, latency),
:mod:`~hyperprune.front.build` writes ``result.json["front"]`` and ``OUT/front/<level>/``, and
:mod:`~hyperprune.front.accounting` counts the epochs spent per level against the alternatives.
"""
