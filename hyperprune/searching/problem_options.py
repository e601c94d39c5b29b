"""The options a search and a calibration share: the problem they work on and where it runs.

:class:`ProblemOptions` adds to :class:`~hyperprune.run_options.RunOptions` (preset, model,
data, settings) the space, searcher, target sparsity, seed, output directory and Ray resources.
:class:`~hyperprune.searching.options.SearchOptions` and
:class:`~hyperprune.searching.calibrate_options.CalibrateOptions` inherit them (overriding some
defaults); both are saved as JSON (:meth:`ProblemOptions.to_json`) so that ``hyperprune resume``
continues with the same options, and :meth:`ProblemOptions.from_json` ignores keys it does not
know, so files written by other versions load.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

from hyperprune.option_field import option
from hyperprune.run_options import RunOptions

T = TypeVar("T", bound="ProblemOptions")

REUSE_ACTORS = ("auto", "yes", "no")


def threads_per_trial(cpus_per_trial: float) -> int:
    """The torch threads of a run given ``cpus_per_trial`` CPUs: the whole CPUs, at least 1."""
    return max(1, int(cpus_per_trial))


@dataclass(frozen=True)
class ProblemOptions(RunOptions):
    hpo: str = option(
        "tpe",
        "pool seeding: the optimiser that proposes candidates",
        names="hyperprune.searching.searchers:SEARCHERS",
    )
    max_evals: int = option(8, "candidates proposed")
    sparsity: float | tuple[float, ...] | str | None = option(
        None,
        "target sparsity in (0, 1), or several separated by commas (0.5,0.67,0.8,0.9): one search, a front",
        default_text="the space's, else 0.67",
    )
    space: str = option(
        "reference",
        "search space: a built-in name or a YAML file",
        names="hyperprune.searching.space:builtin_spaces",
    )
    seed: int = option(0, "master seed")
    # candidates reach their target sparsity by e0; a search ranks them first there, a calibration's
    # checkpoints there make the pool for --initial-pool (unset: --from-calibration may choose it)
    e0: int = option(2, "epochs before the first ranking", unset=True)
    out: str = option("runs/search", "output directory", metavar="DIR")
    address: str | None = option(
        None, "Ray cluster to attach to (auto, host:port)", default_text="start an embedded local Ray"
    )
    cpus_per_trial: float = option(1.0, "CPUs per candidate")
    gpus_per_trial: float = option(0.0, "GPUs per candidate; fractions pack several candidates on one GPU")
    cache_dir: str | None = option(
        None, "dense-reference cache", default_text="~/.cache/hyperprune", metavar="DIR"
    )
    max_failures: int = option(2, "retries of a candidate whose worker died, from its last checkpoint")
    dashboard: bool = option(True, "start the embedded Ray without its dashboard")
    reuse_actors: str = option(
        "auto",
        "reuse trial actors across pauses (auto: yes on the embedded Ray, no on a cluster)",
        choices=REUSE_ACTORS,
    )
    quiet: bool = option(False, "print only the final result")

    def run_settings(self) -> dict[str, Any]:
        """Every run (candidate, dense reference, noise floor) uses as many torch threads as it has
        CPUs (``--cpus-per-trial``, at least 1), so a run's numerics do not depend on the machine's
        core count; ``--set train.threads=N`` still wins."""
        return {"train.threads": threads_per_trial(self.cpus_per_trial), **super().run_settings()}

    def __post_init__(self) -> None:
        # "0.5,0.8" from the command line, a list from JSON: one level as a float, several as a tuple
        if isinstance(self.sparsity, (str, list, tuple)):
            from hyperprune.searching.levels import option_value, parse_levels

            object.__setattr__(self, "sparsity", option_value(parse_levels(self.sparsity, "--sparsity")))

    def problem(self) -> dict[str, Any]:
        """The values of the fields every :class:`ProblemOptions` has."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(ProblemOptions)}

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls: type[T], data: dict) -> T:
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                value = data[f.name]
                values[f.name] = tuple(value) if isinstance(f.default, tuple) or isinstance(value, list) else value
        return cls(**values)
