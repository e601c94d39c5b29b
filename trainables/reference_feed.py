"""The dense reference while it trains: a small Ray actor that candidates read it from.

The dense reference and the noise-floor network train as Ray tasks beside the candidates rather
than before them. Each dense task publishes its record after every epoch to a
:class:`ReferenceFeed`; a candidate that needs the reference at an epoch not published yet
waits for it (:class:`ReferenceView`). The reference started first and trains without a
method's extra work, so it is normally ahead and the wait is short. A dense task that fails
publishes its error, and every candidate waiting for that epoch fails with it.

Example::

    feed = ReferenceFeed.remote({"reference": None})
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


@ray.remote(num_cpus=0)
class ReferenceFeed:
    """The latest record of each dense run by name (``reference``, ``noise floor``)."""

    def __init__(self, records: dict[str, dict | None]) -> None:
        self.records = dict(records)
        self.errors: dict[str, str] = {}
        self.done: set[str] = set()

    def publish(self, name: str, record: dict, done: bool = False) -> None:
        self.records[name] = record
        if done:
            self.done.add(name)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def read(self, name: str) -> tuple[dict | None, str | None, bool]:
        """(record, error, finished) of one run."""
        return self.records.get(name), self.errors.get(name), name in self.done


def reference_by_epoch(record: dict | None) -> dict:
    """What candidates compare with: epoch -> spectrum (epoch 0 included) and epoch -> loss."""
    record = record or {}
    epochs = [int(e) for e in record.get("epochs") or []]
    ls = {e: s for e, s in zip(epochs, record.get("ls") or [], strict=False) if s}
    if record.get("ls_epoch0"):
        ls[0] = record["ls_epoch0"]
    return {"ls": ls, "val_loss": dict(zip(epochs, record.get("val_loss") or [], strict=False))}


class ReferenceView:
    """One candidate's access to the dense reference: what it was given, then the feed."""

    def __init__(self, known: dict, feed=None, name: str = "reference",
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.ls = {int(e): s for e, s in (known.get("ls") or {}).items()}
        self.feed = feed
        self.name = name
        self.on_wait = on_wait or (lambda doing: None)

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
            if not said:
                self.on_wait(f"waiting for the dense {self.name} at epoch {epoch}")
                said = True
            time.sleep(POLL_S)
