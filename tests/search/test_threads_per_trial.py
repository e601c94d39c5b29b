"""Every run of a search uses as many torch threads as it has CPUs (``--cpus-per-trial``)."""

import json

import pytest
from search_helpers import random_search_args

from hyperprune.cli import main
from hyperprune.run_options import build_spec
from hyperprune.searching.options import SearchOptions


@pytest.mark.parametrize(("cpus", "threads"), [(1.0, 1), (2.0, 2), (0.5, 1), (2.5, 2)])
def test_spec_threads_follow_cpus_per_trial(cpus, threads):
    assert build_spec(SearchOptions(cpus_per_trial=cpus)).train.threads == threads


def test_an_explicit_thread_setting_wins():
    opts = SearchOptions(cpus_per_trial=2.0, settings=("train.threads=1",))
    assert build_spec(opts).train.threads == 1


@pytest.mark.slow
def test_candidates_and_dense_reference_run_with_cpus_per_trial_threads(tmp_path):
    out = tmp_path / "out"
    code = main(
        random_search_args(out, tmp_path / "cache", "--cpus-per-trial", "2", max_evals=3, final_epochs=2)
    )
    assert code == 0
    iterations = [
        json.loads(line)
        for path in sorted((out / "tune" / "search").glob("*/result.json"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    assert iterations and {row["torch_threads"] for row in iterations} == {2}
    reference = json.loads((out / "dense_reference.json").read_text())
    assert reference["record"]["threads"] == 2
