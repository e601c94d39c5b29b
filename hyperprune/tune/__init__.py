"""The Ray Tune side of a search: everything that talks to Ray, apart from the trainable.

``driver`` runs a search (or resumes one) as one Tune experiment; ``seeder`` is the Tune
searcher that asks a backend of :mod:`hyperprune.searching.searchers` for the pool;
``scheduler`` adapts the synchronous halving decisions of :mod:`hyperprune.searching.halving` to
Tune's ``TrialScheduler``; ``recorder``, ``failures``, ``busy`` and ``live_reference`` are Tune
callbacks (the pool file and progress lines, failed attempts, stalled candidates, the dense
reference while it trains); ``dense_reference`` trains the dense reference and its noise floor
as Ray tasks beside the candidates and ``reference_phase`` is the driver's part of it;
``open_until_done`` keeps the seeder open while candidates live (so Tune reuses their actors);
``session`` connects to (or starts) Ray; ``capacity`` checks that some node can run a
candidate; ``restore`` repairs an interrupted experiment and ``previous_layout`` lets
experiments saved before this package existed restore; ``calibrate`` trains a fixed pool for
``hyperprune calibrate``. The candidate trainable itself lives in the top-level
``trainables`` package, which imports nothing from here.
"""
