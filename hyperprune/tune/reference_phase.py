"""The dense reference of one search: already known, or training beside the candidates.

A search needs the dense reference in three places: the candidates compare their spectra with
it (what is known when the search starts travels with the trainable, the rest arrives through
the feed while it trains), the progress lines print the noise floor of each rung, and the
result holds its figures. :meth:`ReferencePhase.start` starts the dense reference and noise floor as
Ray tasks (or reads ``dense_reference.json`` of a resumed search); :meth:`ReferencePhase.finish`
waits for them after the last candidate and writes ``dense_reference.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from hyperprune.files import write_json

NOTHING = {"key": None, "record": None, "noise": None, "noise_floor": None, "trials": {"ls": {}, "val_loss": {}}}


class ReferencePhase:
    def __init__(self, out: Path, opts, spec, *, resources: dict, last_rung: int, log=print) -> None:
        self.path = Path(out) / "dense_reference.json"
        self.opts = opts
        self.spec = spec
        self.resources = resources
        self.last_rung = last_rung
        self.log = log
        self.data: dict | None = None  # the finished reference (dense_reference.json)
        self.training = None  # or the dense runs still training

    def start(self) -> None:
        from hyperprune.models import task_kind_of
        from hyperprune.tune.dense_reference import default_cache_dir, start_reference

        if self.path.is_file():
            self.data = json.loads(self.path.read_text())
            return
        # the whole budget: distances at every epoch, and the dense figures to beat
        with_ls = task_kind_of(self.spec.model) == "lm"
        if not with_ls:
            self.data = self._write(NOTHING)
            return
        cache = Path(self.opts.cache_dir) if self.opts.cache_dir else default_cache_dir()
        self.training = start_reference(self.spec, seed=self.opts.seed, epochs=self.opts.final_epochs,
                                        with_ls=with_ls, cache_dir=cache, resources=self.resources,
                                        noise_epochs=self.last_rung if self.opts.noise_floor else 0,
                                        log=self.log)

    @property
    def known(self) -> dict:
        """The reference by epoch as far as it is known now (what travels with the trainable)."""
        return self.data["trials"] if self.data is not None else self.training.known()

    @property
    def feed(self):
        return self.training.feed if self.training is not None else None

    def harvest(self) -> None:
        if self.training is not None:
            self.training.harvest()

    def floor(self, epoch: int) -> float | None:
        """The ranking metric's noise floor at ``epoch``, from the finished reference or the
        dense runs' latest records; None while they have not reached it."""
        from hyperprune.tune.dense_reference import noise_floor

        field = "ls_distance" if self.opts.metric_key == "ls_distance" else "val_loss_diff"
        if self.data is not None:
            record, floor = self.data.get("record") or {}, self.data.get("noise_floor") or {}
        else:
            record, noise = self.training.partial("reference"), self.training.partial("noise floor")
            if not record or not noise:
                return None
            floor = noise_floor(record, noise, self.opts.ls_variant)
        by_epoch = dict(zip((int(e) for e in record.get("epochs") or []), floor.get(field) or [], strict=False))
        return by_epoch.get(int(epoch))

    def finish(self) -> dict:
        """Wait for the dense runs, write ``dense_reference.json``; the reference's data."""
        from hyperprune.tune.dense_reference import noise_floor

        if self.data is None:
            ref = self.training.result()
            floor = noise_floor(ref.record, ref.noise, self.opts.ls_variant)
            self.data = self._write({"key": ref.key, "record": ref.record, "noise": ref.noise,
                                     "noise_floor": floor, "trials": ref.for_trials()})
        return self.data

    def _write(self, data: dict) -> dict:
        write_json(self.path, data)
        return json.loads(self.path.read_text())
