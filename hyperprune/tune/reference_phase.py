"""The dense reference of one search: already known, or training beside the candidates.

A search needs the dense reference in three places: the candidates compare their spectra with
it (what is known when the search starts travels with the trainable, the rest arrives through
the feed while it trains), the progress lines print the noise floor of each rung, and the
result holds its figures. :meth:`ReferencePhase.start` starts the dense reference and noise-floor
draws as Ray tasks (or reads ``dense_reference.json`` of a resumed search); :meth:`ReferencePhase.finish`
waits for them after the last candidate and writes ``dense_reference.json``. While they train,
:meth:`ReferencePhase.failure` says why the search cannot go on (a dense run failed, or made no
progress for ``--dense-progress-timeout`` seconds), and the driver stops the search with it.
"""

from __future__ import annotations

import json
from pathlib import Path

from hyperprune.files import write_json

NOTHING = {"key": None, "record": None, "noise": None, "noises": [], "noise_floor": None,
           "trials": {"ls": {}, "val_loss": {}}}


class ReferencePhase:
    def __init__(self, out: Path, opts, spec, *, resources: dict, last_rung: int, feed_node: str | None = None,
                 workers: int | None = None, log=print) -> None:
        self.path = Path(out) / "dense_reference.json"
        self.opts = opts
        self.spec = spec
        self.resources = resources
        self.last_rung = last_rung
        self.feed_node = feed_node
        self.workers = workers  # the candidate slots: how many reservations the noise-floor draws share
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
                                        noise_seeds=self.opts.noise_draws(),
                                        timeout_s=self.opts.dense_progress_timeout, feed_node=self.feed_node,
                                        workers=self.workers, log=self.log)

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
            self.training.check()

    def failure(self) -> str | None:
        """Why the search cannot go on (a dense run failed or stalled), or None."""
        return self.training.failure if self.training is not None else None

    def floor(self, epoch: int) -> tuple[float, float | None, int] | None:
        """The ranking metric's noise floor at ``epoch`` as (mean, spread, draws), from the finished
        reference or the draws that reached it so far; None while none has."""
        from hyperprune.tune.noise_estimate import at_epoch, floor_estimate

        field = "ls_distance" if self.opts.metric_key == "ls_distance" else "val_loss_diff"
        if self.data is not None:
            record, floor = self.data.get("record") or {}, self.data.get("noise_floor") or {}
        else:  # the draws that reached the epoch so far (others may queue behind the candidates)
            record = self.training.partial("reference")
            noises = [self.training.partial(name) for name in self.training.noise_names]
            noises = [n for n in noises if n and int(epoch) in {int(e) for e in n.get("epochs") or []}]
            if not record or not noises:
                return None
            floor = floor_estimate(record, noises, self.opts.ls_variant)
        found = at_epoch(floor, record.get("epochs") or [], field, epoch)
        return None if found is None else (*found, floor.get("seeds"))

    def finish(self) -> dict:
        """Wait for the dense runs, write ``dense_reference.json``; the reference's data.
        Raises :class:`~hyperprune.tune.dense_reference.DenseRunFailed` when one failed or stalled."""
        from hyperprune.tune.noise_estimate import floor_estimate

        if self.data is None:
            ref = self.training.result()
            floor = floor_estimate(ref.record, ref.noises, self.opts.ls_variant)
            self.data = self._write({"key": ref.key, "record": ref.record, "noise": ref.noise,
                                     "noises": ref.noises, "noise_floor": floor, "trials": ref.for_trials()})
        return self.data

    def abandon(self) -> dict:
        """Stop the dense runs still training (the search failed without them); what is known."""
        if self.data is not None:
            return self.data
        self.training.release()
        return self.partial_data()

    def partial_data(self) -> dict:
        """What is known of the reference when a dense run failed (nothing is written)."""
        record = self.training.partial("reference") if self.training is not None else None
        return {**NOTHING, "key": self.training.key if self.training is not None else None, "record": record}

    def _write(self, data: dict) -> dict:
        write_json(self.path, data)
        return json.loads(self.path.read_text())
