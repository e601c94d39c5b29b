"""The examples in the docstrings of the Python API run, in order, as one session: one tiny
search on a real embedded Ray, read back by the later examples."""

import doctest
import tempfile

import pytest

import hyperprune.api

pytestmark = pytest.mark.slow


def test_api_examples_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' temporary directory
    finder = doctest.DocTestFinder()
    tests = sorted(finder.find(hyperprune.api), key=lambda t: t.lineno or 0)
    assert [t.name.rsplit(".", 1)[-1] for t in tests if t.examples] == [
        "search",
        "resume",
        "load_result",
        "load_pool",
        "calibrate",
    ]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    session = {}  # one namespace: the search's result is read by the later examples
    for test in tests:
        test.globs = session
        runner.run(test, clear_globs=False)
    summary = runner.summarize(verbose=False)
    assert summary.attempted >= 15
    assert summary.failed == 0
