"""The report's plotting modules, loaded while a worker has nothing left to train.

A search that writes its report ends by importing matplotlib and the report's modules (about
1.3 s of the 3 s the report takes on a 2-core machine). When a candidate completes and no
trial waits to run (the finalists of the last round end one after the other), its worker stays
idle until the last one ends; :class:`LoadReportWhenIdle` does that import then, in a
background thread of the driver, so the report after the last finalist only draws. Nothing else
changes: the report is written by the same code afterwards, and a failed import here is simply
repeated there.
"""

from __future__ import annotations

import contextlib
import importlib
import threading

from ray.tune import Callback
from ray.tune.experiment import Trial

#: the module whose import loads the report's plotting stack
REPORT_MODULE = "hyperprune.report.build"


class LoadReportWhenIdle(Callback):
    """Imports :data:`REPORT_MODULE` once, when a trial completes and no other waits to run."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.thread: threading.Thread | None = None  # the import, once started

    def __getstate__(self) -> dict:  # saved with the experiment: a thread is not
        return {**self.__dict__, "thread": None}

    def on_trial_complete(self, iteration: int, trials: list, trial, **info) -> None:
        if not self.enabled or self.thread is not None:
            return
        if any(other.status in (Trial.PENDING, Trial.PAUSED) for other in trials):
            return  # the freed worker goes on training
        self.thread = threading.Thread(target=load_report_modules, name="report-modules", daemon=True)
        self.thread.start()


def load_report_modules() -> None:
    with contextlib.suppress(Exception):  # the report itself imports it again and says what failed
        importlib.import_module(REPORT_MODULE)
