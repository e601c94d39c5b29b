"""How a pool is seeded when a proposal repeats one already trained (shared by the Ray seeder and
the Ray-free benchmark producer, so both train the same candidates).

``--max-evals`` counts distinct candidates: a duplicate proposal is answered with its original's
score and a fresh proposal is asked for at once; after ``DUPLICATE_RETRIES`` duplicates in a row
the next proposal is a random draw (which the backend still learns from), and after
``GIVE_UP_AFTER`` in a row the space counts as exhausted and the pool ends smaller.
"""

DUPLICATE_RETRIES = 2
GIVE_UP_AFTER = 50
