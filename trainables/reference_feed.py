"""The dense reference while it trains: a small Ray actor that candidates read it from.

The dense reference and the noise-floor network train as Ray tasks beside the candidates rather
than before them. Each dense task publishes its record after every epoch to a
:class:`ReferenceFeed`; a candidate that needs the reference at an epoch not published yet
waits for it (:class:`ReferenceView`). The reference started first and trains without a
method's extra work, so it is normally ahead and the wait is short. A dense task that fails
publishes its error, and every candidate waiting for that epoch fails with it; one that makes
no progress for the search's ``--dense-progress-timeout`` fails them the same way.

Example::

    feed = ReferenceFeed.remote({"reference": None}, {"reference": "dense reference 1a2b3c"})
    feed.publish.remote("reference", {"epochs": [1], "ls": [[0.1, -0.2]], "val_loss": [5.1],
                                      "ls_epoch0": [0.0, -0.1]})
    view = ReferenceView(reference_by_epoch(None), feed)
    view.spectrum(1)                     # [0.1, -0.2]
"""

from __future__ import annotations

import time
from collections.abc import Callable

import ray

#: seconds between two looks at the feed while a candidate waits for the reference
POLL_S = 0.2


def _epochs(record: dict | None) -> int:
    return len((record or {}).get("epochs") or [])


@ray.remote(num_cpus=0)
class ReferenceFeed:
    """The latest record of each dense run by name (``reference``, ``noise floor``, ...).

    A record never gets shorter: a dense task retried after its worker died starts again from
    the search's first checkpoint and publishes epochs already known; those are kept, so what
    candidates compare with and the printed floor never go backwards. Each run's *progress* (the
    last time it published a record with another epoch count, a retried run's included) is what
    :meth:`read` reports as ``quiet_s``; a run whose task has not started yet is not timed.
    """

    def __init__(self, records: dict[str, dict | None], labels: dict[str, str] | None = None) -> None:
        self.records = dict(records)
        self.labels = dict(labels or {})
        self.errors: dict[str, str] = {}
        self.done: set[str] = set()
        self.progress: dict[str, tuple[int, float]] = {}  # name -> (epochs last published, when)

    def publish(self, name: str, record: dict, done: bool = False) -> None:
        count = _epochs(record)
        if count != self.progress.get(name, (None, 0.0))[0]:
            self.progress[name] = (count, time.monotonic())
        if count >= _epochs(self.records.get(name)):
            self.records[name] = record
        if done:
            self.done.add(name)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def read(self, name: str) -> tuple[dict | None, str | None, bool]:
        """(record, error, finished) of one run."""
        return self.records.get(name), self.errors.get(name), name in self.done

    def quiet_s(self, name: str) -> float | None:
        """Seconds since ``name`` last made progress; None once finished or before its task started."""
        if name in self.done or name not in self.progress:
            return None
        return time.monotonic() - self.progress[name][1]

    def label(self, name: str) -> str:
        """The dense run as the search's log names it (``dense reference <key>``)."""
        return self.labels.get(name, f"dense {name}")


def stalled_message(label: str, quiet_s: float, timeout_s: float) -> str:
    return (f"{label} published no new epoch for {quiet_s:.0f} s (its worker died and the retry could not "
            f"start, or it hangs); raise --dense-progress-timeout ({timeout_s:g} s) if its epochs take longer")


def reference_by_epoch(record: dict | None) -> dict:
    """What candidates compare with: epoch -> spectrum (epoch 0 included) and epoch -> loss."""
    record = record or {}
    epochs = [int(e) for e in record.get("epochs") or []]
    ls = {e: s for e, s in zip(epochs, record.get("ls") or [], strict=False) if s}
    if record.get("ls_epoch0"):
        ls[0] = record["ls_epoch0"]
    return {"ls": ls, "val_loss": dict(zip(epochs, record.get("val_loss") or [], strict=False))}


class ReferenceView:
    """One candidate's access to the dense reference: what it was given, then the feed.

    While it waits, a reference that makes no progress for ``timeout_s`` seconds ends the wait
    with one error naming the dense run (the driver normally says so first and stops the search).
    """

    def __init__(self, known: dict, feed=None, name: str = "reference",
                 on_wait: Callable[[str], None] | None = None, timeout_s: float | None = None) -> None:
        self.ls = {int(e): s for e, s in (known.get("ls") or {}).items()}
        self.feed = feed
        self.name = name
        self.on_wait = on_wait or (lambda doing: None)
        self.timeout_s = timeout_s

    def spectrum(self, epoch: int) -> list[float] | None:
        """The reference's spectrum at ``epoch``, waiting for it while the reference trains;
        None when the reference has none there (not a language model, or trained no further)."""
        if epoch in self.ls or self.feed is None:
            return self.ls.get(epoch)
        said = False
        while True:
            record, error, finished = ray.get(self.feed.read.remote(self.name))
            self.ls.update(reference_by_epoch(record)["ls"])
            if epoch in self.ls:
                return self.ls[epoch]
            if error:
                raise RuntimeError(f"the dense {self.name} failed: {error}")
            if finished:
                return None
            self._check_progress()
            if not said:
                self.on_wait(f"waiting for the dense {self.name} at epoch {epoch}")
                said = True
            time.sleep(POLL_S)

    def _check_progress(self) -> None:
        if self.timeout_s is None:
            return
        quiet = ray.get(self.feed.quiet_s.remote(self.name))
        if quiet is not None and quiet > self.timeout_s:
            label = ray.get(self.feed.label.remote(self.name))
            raise RuntimeError(stalled_message(label, quiet, self.timeout_s))
