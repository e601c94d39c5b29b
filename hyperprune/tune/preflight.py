"""The checks of a search that read its data and its Ray target, made before Ray starts.

:func:`check_data` loads the dataset (missing, unreadable or empty files are one line) and, for a
corpus, checks that every split gives one batch at the run's batch sizes and bptt.
:func:`check_ray` checks that an address to attach to answers, and that the embedded Ray this
machine would start can run one candidate at ``--cpus-per-trial``/``--gpus-per-trial``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hyperprune.config import RunSpec
    from hyperprune.searching.problem_options import ProblemOptions


def check_data(spec: RunSpec) -> None:
    """The run's data loads, and a corpus is long enough for one batch of each split."""
    from hyperprune.data import Corpus, load_data
    from hyperprune.data.corpus_size import check_corpus_size

    data = load_data(spec.data)
    if isinstance(data, Corpus):
        check_corpus_size(data, spec.train, spec.data.path or spec.data.name)


def check_ray(opts: ProblemOptions) -> None:
    """The Ray target answers, and an embedded one is large enough for one candidate."""
    from hyperprune.tune.capacity import check_embedded_capacity
    from hyperprune.tune.session import check_address

    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():  # connect() reuses that connection, checked once made
        return
    if check_address(opts.address):
        check_embedded_capacity(opts.cpus_per_trial, opts.gpus_per_trial)
