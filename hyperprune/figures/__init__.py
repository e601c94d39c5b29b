"""The README's measured tables, generated from stored benchmark outputs.

Every script under ``bench/`` can write its figures as a small JSON file (``--json FILE``: the
rows, the command, the machine and the date; :mod:`hyperprune.figures.bench_output`). A *table*
(:mod:`hyperprune.figures.registry`) names the bench runs it is made of, the command line of
each at the README's size, and a renderer from their stored outputs to Markdown. The README
marks each generated table with ``<!-- table:NAME:start -->`` ... ``<!-- table:NAME:end -->``;
:mod:`hyperprune.figures.readme` rewrites those sections from the stored outputs
(``bench/results/<run>.json``) and checks that they are unchanged.

Adding a table: one renderer module under :mod:`hyperprune.figures.tables` that calls
:func:`~hyperprune.figures.registry.register_table`, its stored output(s) under
``bench/results/``, and the markers in the README. ``python -m hyperprune.figures --help``.

Two modules serve the benchmarks themselves: :mod:`hyperprune.figures.machine` (what a stored
output records of the machine it ran on) and :mod:`hyperprune.figures.cpu_use` (the CPU a timed
command and the machine's other processes use while it runs).
"""
