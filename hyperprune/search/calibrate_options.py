"""The options of a calibration: one frozen dataclass beside :class:`~.options.SearchOptions`.

A calibration trains a pool exactly as a search would (same space, searcher, model, data, seeds
and LS measurement) but excludes nobody: every candidate trains to ``epochs``. The options are
saved as ``calibrate.json`` so ``hyperprune resume DIR`` continues with the same settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hyperprune.errors import UserError
from hyperprune.search.options import SearchOptions


@dataclass(frozen=True)
class CalibrateOptions:
    hpo: str = "random"
    max_evals: int = 16
    epochs: int = 8
    # every candidate reaches its target sparsity by e0, as in a search whose first rung is e0; the
    # searcher learns from this epoch and its checkpoints make the pool for --initial-pool
    e0: int = 2
    metrics: tuple[str, ...] = ()  # early metrics to judge (default: every one the task has)
    replicates: int = 2
    replicate_count: int = 4
    tolerance: float = 0.01
    bootstrap: int = 1000
    sparsity: float | None = None
    space: str = "reference"
    preset: str = "tiny"
    model: str | None = None
    data: str | None = None
    data_path: str | None = None
    settings: tuple[str, ...] = ()
    seed: int = 0
    out: str = "runs/calibration"
    address: str | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    storage: str | None = None
    cache_dir: str | None = None
    max_failures: int = 2
    dashboard: bool = True
    reuse_actors: str = "auto"
    quiet: bool = False

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["settings"] = list(self.settings)
        data["metrics"] = list(self.metrics)
        return data

    @classmethod
    def from_json(cls, data: dict) -> CalibrateOptions:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["settings"] = tuple(values.get("settings", ()))
        values["metrics"] = tuple(values.get("metrics", ()))
        return cls(**values)

    def search_options(self, *, seed: int | None = None, out: str | None = None, pool_size: int | None = None,
                       metric: str = "ls") -> SearchOptions:
        """The options of the search that trains the pool (or a replicate of part of it): nobody
        is excluded, because every candidate is a finalist trained to ``epochs``; spectra are
        measured at every epoch, since every epoch is an early epoch to be judged."""
        size = pool_size or self.max_evals
        return SearchOptions(
            hpo=self.hpo, max_evals=size, metric=metric, ls_distance="l2", e0=self.e0, ei=1, final_count=size,
            final_epochs=self.epochs, sparsity=self.sparsity, space=self.space, preset=self.preset,
            model=self.model, data=self.data, data_path=self.data_path, settings=self.settings,
            seed=self.seed if seed is None else seed, out=out or self.out, address=self.address,
            cpus_per_trial=self.cpus_per_trial, gpus_per_trial=self.gpus_per_trial, storage=None,
            cache_dir=self.cache_dir, max_failures=self.max_failures, dashboard=self.dashboard,
            reuse_actors=self.reuse_actors, quiet=self.quiet, ls_every_epoch=True)


def validate(opts: CalibrateOptions, known_metrics: list[str]) -> None:
    """The checks of a calibration's own options (the search's are checked by the search)."""
    if opts.epochs < 2:
        raise UserError(f"--epochs must be at least 2 (an early epoch and the final one), got {opts.epochs}")
    if opts.max_evals < 3:
        raise UserError(f"--max-evals must be at least 3 candidates to correlate, got {opts.max_evals}")
    if not 1 <= opts.e0 <= opts.epochs:
        raise UserError(f"--e0 must be between 1 and --epochs ({opts.epochs}), got {opts.e0}")
    for name in opts.metrics:
        if name not in known_metrics:
            raise UserError(f"unknown metric {name!r}; choose from: {', '.join(known_metrics)}")
    if opts.replicates < 1:
        raise UserError(f"--replicates must be at least 1 (1: no seed-noise measurement), got {opts.replicates}")
    if opts.replicate_count < 1:
        raise UserError(f"--replicate-count must be at least 1, got {opts.replicate_count}")
    if not 0.0 <= opts.tolerance < 1.0:
        raise UserError(f"--tolerance is a fraction of the best final figure in [0, 1), got {opts.tolerance}")
    if opts.bootstrap < 100:
        raise UserError(f"--bootstrap must be at least 100 resamples, got {opts.bootstrap}")
