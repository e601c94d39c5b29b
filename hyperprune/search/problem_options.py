"""The options a search and a calibration share: the problem they work on and where it runs.

:class:`ProblemOptions` adds to :class:`~hyperprune.run_options.RunOptions` (preset, model,
data, settings) the space, searcher, target sparsity, seed, output directory and Ray resources.
:class:`~hyperprune.search.options.SearchOptions` and
:class:`~hyperprune.search.calibrate_options.CalibrateOptions` inherit them (overriding some
defaults); both are saved as JSON (:meth:`ProblemOptions.to_json`) so that ``hyperprune resume``
continues with the same options, and :meth:`ProblemOptions.from_json` ignores keys it does not
know, so files written by other versions load.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hyperprune.run_options import RunOptions

T = TypeVar("T", bound="ProblemOptions")

REUSE_ACTORS = ("auto", "yes", "no")


@dataclass(frozen=True)
class ProblemOptions(RunOptions):
    hpo: str = field(default="tpe", metadata={
        "help": "pool seeding: the optimiser that proposes candidates", "names": "hyperprune.search.backends:SEARCHERS"})
    max_evals: int = field(default=8, metadata={"help": "candidates proposed"})
    sparsity: float | None = field(default=None, metadata={
        "help": "target sparsity in (0, 1)", "default_text": "the space's, else 0.67"})
    space: str = field(default="reference", metadata={
        "help": "search space: a built-in name or a YAML file", "names": "hyperprune.search.space:builtin_spaces"})
    seed: int = field(default=0, metadata={"help": "master seed"})
    out: str = field(default="runs/search", metadata={"help": "output directory", "metavar": "DIR"})
    address: str | None = field(default=None, metadata={
        "help": "Ray cluster to attach to (auto, host:port)", "default_text": "start an embedded local Ray"})
    cpus_per_trial: float = field(default=1.0, metadata={"help": "CPUs per candidate"})
    gpus_per_trial: float = field(default=0.0, metadata={
        "help": "GPUs per candidate; fractions pack several candidates on one GPU"})
    cache_dir: str | None = field(default=None, metadata={
        "help": "dense-reference cache", "default_text": "~/.cache/hyperprune", "metavar": "DIR"})
    max_failures: int = field(default=2, metadata={
        "help": "retries of a candidate whose worker died, from its last checkpoint"})
    dashboard: bool = field(default=True, metadata={"help": "start the embedded Ray without its dashboard"})
    reuse_actors: str = field(default="auto", metadata={
        "help": "reuse trial actors across pauses (auto: yes on the embedded Ray, no on a cluster)",
        "choices": REUSE_ACTORS})
    quiet: bool = field(default=False, metadata={"help": "print only the final result"})

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
                values[f.name] = tuple(data[f.name]) if isinstance(f.default, tuple) else data[f.name]
        return cls(**values)
