"""The report's modules load once, and only when a completed trial leaves its worker idle."""

import pickle
import sys
from types import SimpleNamespace

import pytest
from ray.tune.experiment import Trial

from hyperprune.tune import report_warmup
from hyperprune.tune.report_warmup import LoadReportWhenIdle


@pytest.fixture
def marker_module(tmp_path, monkeypatch):
    """A module of its own whose import the test can see."""
    (tmp_path / "report_marker_mod.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(report_warmup, "REPORT_MODULE", "report_marker_mod")
    monkeypatch.delitem(sys.modules, "report_marker_mod", raising=False)
    return "report_marker_mod"


def trials(*statuses):
    return [SimpleNamespace(status=status) for status in statuses]


def test_nothing_loads_while_other_trials_wait_to_run(marker_module):
    callback = LoadReportWhenIdle(True)
    for waiting in (Trial.PENDING, Trial.PAUSED):
        pool = trials(Trial.TERMINATED, waiting, Trial.RUNNING)
        callback.on_trial_complete(0, pool, pool[0])
    assert callback.thread is None and marker_module not in sys.modules


def test_the_modules_load_once_when_the_worker_has_nothing_left(marker_module):
    callback = LoadReportWhenIdle(True)
    pool = trials(Trial.TERMINATED, Trial.RUNNING, Trial.TERMINATED)
    callback.on_trial_complete(0, pool, pool[0])
    first = callback.thread
    first.join(timeout=30)
    assert sys.modules[marker_module].LOADED
    callback.on_trial_complete(0, pool, pool[2])
    assert callback.thread is first  # once
    assert pickle.loads(pickle.dumps(callback)).thread is None  # saved with the experiment without it


def test_without_a_report_nothing_loads(marker_module):
    callback = LoadReportWhenIdle(False)
    pool = trials(Trial.TERMINATED, Trial.TERMINATED)
    callback.on_trial_complete(0, pool, pool[0])
    assert callback.thread is None and marker_module not in sys.modules
