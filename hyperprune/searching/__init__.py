"""The parts of a search that need no Ray: its options, space, searchers, pool, halving schedule
and results. The search itself is :func:`hyperprune.search` (:func:`hyperprune.api.search`);
its Ray side is :mod:`hyperprune.tune`."""
