"""The options of a search: one frozen dataclass, validated before anything is started.

The CLI flags of ``hyperprune search`` are made from the fields of :class:`SearchOptions` (and
of the :class:`~hyperprune.searching.problem_options.ProblemOptions` it shares with a calibration)
and their metadata (:mod:`hyperprune.cli.dataclass_flags`); the options are saved as
``search.json`` in the output directory so ``hyperprune resume DIR`` can continue with exactly
the same settings.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperprune.errors import UserError
from hyperprune.option_field import option
from hyperprune.searching.levels import parse_levels
from hyperprune.searching.problem_options import REUSE_ACTORS, ProblemOptions
from hyperprune.spec_checks import MAX_SEED

AUTO_METRIC = "auto"  # the best signal of the calibration given with --from-calibration


def metric_names() -> list[str]:
    """The accepted ``--metric`` values: every registered early signal, and ``auto``."""
    from hyperprune.signals.registry import signal_names

    return [*signal_names(), AUTO_METRIC]


MIN_FREE_BYTES = 200 * 1024 * 1024
#: noise-floor draws whose mean lay within 20% of a 10-draw mean in 90% of subsets (bench/noise_floor.py)
MOST_NOISE_DRAWS = 6
#: the largest share of a search's planned candidate epochs the automatic noise-floor draws may cost
NOISE_SHARE = 0.25


@dataclass(frozen=True)
class SearchOptions(ProblemOptions):
    # the ranking schedule: unset flags take these defaults, or --from-calibration's recommendation
    metric: str = option("ls", "early signal that ranks candidates at a rung (auto: the best of the calibration "
                               "given with --from-calibration)", names="hyperprune.searching.options:metric_names",
                         unset=True)
    ls_distance: str = option("l2", "LS distance: l2 (spectra at the rung) or trajectory (the reference code's: "
                                    "epochs 0..rung projected on 2 principal components)",
                              names="hyperprune.lyapunov.distance:DISTANCES", unset=True)
    ei: int = option(1, "epochs between rankings", unset=True)
    final_count: int = option(2, "finalists", unset=True)
    final_epochs: int = option(5, "full training budget of the finalists", unset=True,
                               default_text="5; with --from-calibration its epochs")
    storage: str | None = option(None, "Tune storage path for checkpoints (shared on a cluster, e.g. "
                                       "s3://bucket/dir)")
    initial_pool: str | None = option(None, "a saved pool (search directory or pool.parquet): skip seeding, "
                                            "continue from it")
    initial_pool_any_seed: bool = option(False, "accept an --initial-pool trained with another seed than --seed "
                                                "(its candidates keep their own seed and lose the shared start "
                                                "with the dense reference)")
    ls_every_epoch: bool = option(False, "measure the spectrum at every epoch (learning curves), not only where "
                                         "candidates are ranked and at the end")
    noise_floor: bool = option(True, "train a second dense network from another initialisation up to the last "
                                     "rung: the noise floor of the ranking metric (progress lines, report); "
                                     "--no-noise-floor saves its training")
    noise_floor_seeds: int = option(0, "second dense networks (initialisations) the noise floor is the mean of; "
                                       "their spread is shown beside it. 0: as many as cost at most a quarter of "
                                       "the candidates' planned epochs, from 1 to 6", default_text="0 (auto)")
    dense_progress_timeout: float = option(1800.0, "seconds a dense run may go without publishing an epoch before "
                                                   "the search fails naming it")

    def noise_draws(self) -> int:
        """The noise-floor draws this search trains: ``--noise-floor-seeds``, or with 0 the most,
        up to :data:`MOST_NOISE_DRAWS` (what one draw's spread asks for), whose epochs to the last
        rung cost at most :data:`NOISE_SHARE` of the candidates' planned epochs (at least 1)."""
        from hyperprune.searching.halving import schedule

        if self.noise_floor_seeds:
            return self.noise_floor_seeds
        plan = schedule(self.max_evals, self.e0, self.ei, self.final_count, self.final_epochs)
        last_rung = max((rung for rung, _, _ in plan["rounds"]), default=self.e0)
        affordable = int(NOISE_SHARE * plan["epochs"] // max(1, last_rung))
        return max(1, min(MOST_NOISE_DRAWS, affordable))

    def run_settings(self) -> dict[str, Any]:
        """Every candidate's run trains to the finalists' budget from the master seed; ``--set``
        may still change either."""
        return {"train.epochs": self.final_epochs, "train.seed": self.seed, **super().run_settings()}

    @property
    def metric_key(self) -> str:
        """The trial result key shown as the ranking value (the signal's first input)."""
        from hyperprune.signals.registry import get_signal

        return get_signal(self.metric).primary_key()

    @property
    def ls_variant(self) -> str:
        """The LS distance variant the candidates measure: the signal's own where it names one."""
        from hyperprune.signals.registry import get_signal

        return get_signal(self.metric).search_flags.get("ls_distance", self.ls_distance)

    def ls_epochs(self) -> list[int] | None:
        """Epochs at which candidates measure their spectrum (None: every epoch)."""
        from hyperprune.searching.halving import ranked_epochs

        if self.ls_every_epoch or self.ls_variant == "trajectory":  # the trajectory spans every epoch
            return None
        return ranked_epochs(self.max_evals, self.e0, self.ei, self.final_count, self.final_epochs)


def validate(opts: SearchOptions) -> None:
    """Every check that needs no Ray and no training: one clear line per mistake."""
    from hyperprune.searching.searchers import SEARCHERS

    if opts.hpo not in SEARCHERS:
        raise UserError(f"unknown --hpo {opts.hpo!r}; choose one of: {', '.join(SEARCHERS.names())}")
    from hyperprune.signals.registry import signal_names

    if opts.metric == AUTO_METRIC:
        raise UserError("--metric auto takes the best signal of a calibration: give --from-calibration DIR")
    if opts.metric not in signal_names():
        raise UserError(f"unknown --metric {opts.metric!r}; choose one of: {', '.join(metric_names())}")
    from hyperprune.lyapunov.distance import DISTANCES

    if opts.ls_distance not in DISTANCES:
        raise UserError(f"unknown --ls-distance {opts.ls_distance!r}; choose one of: {', '.join(DISTANCES)}")
    if opts.sparsity is not None:
        parse_levels(opts.sparsity, "--sparsity")
    if opts.e0 < 1:
        raise UserError(f"--e0 must be at least 1 epoch, got {opts.e0}")
    if opts.ei < 1:
        raise UserError(f"--ei must be at least 1 epoch, got {opts.ei}")
    if opts.final_count < 1:
        raise UserError(f"--final-count must be at least 1, got {opts.final_count}")
    if opts.max_evals < opts.final_count:
        raise UserError(f"--max-evals ({opts.max_evals}) must be at least --final-count ({opts.final_count})")
    if opts.final_epochs < opts.e0:
        raise UserError(f"--final-epochs ({opts.final_epochs}) must be at least --e0 ({opts.e0})")
    if opts.cpus_per_trial <= 0 or opts.gpus_per_trial < 0:
        raise UserError("--cpus-per-trial must be positive and --gpus-per-trial not negative")
    if opts.gpus_per_trial > 1 and opts.gpus_per_trial != int(opts.gpus_per_trial):
        raise UserError("--gpus-per-trial above 1 must be a whole number")
    if opts.reuse_actors not in REUSE_ACTORS:
        raise UserError(f"--reuse-actors must be auto, yes or no, got {opts.reuse_actors!r}")
    if opts.max_failures < 0:
        raise UserError("--max-failures must not be negative")
    if opts.noise_floor_seeds < 0:
        raise UserError(f"--noise-floor-seeds must be 0 (automatic) or more, got {opts.noise_floor_seeds}")
    if not opts.dense_progress_timeout > 0:
        raise UserError(f"--dense-progress-timeout must be a positive number of seconds, got "
                        f"{opts.dense_progress_timeout}")
    if not 0 <= opts.seed <= MAX_SEED:
        raise UserError(f"--seed must be a whole number from 0 to {MAX_SEED}, got {opts.seed}")


def check_output_dir(out: str | Path, *, fresh: bool) -> Path:
    """Make sure ``out`` can hold a search: writable, enough free space, not another search."""
    path = Path(out).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise UserError(f"--out {out} is a file; give a directory")
    if fresh and (path / "search.json").exists():
        raise UserError(f"{out} already holds a search; continue it with 'hyperprune resume {out}' "
                        "or choose another --out")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        raise UserError(f"cannot write to {existing}; choose a writable --out directory")
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        raise UserError(f"only {free // 2**20} MiB free on the disk of {existing}; "
                        f"a search needs at least {MIN_FREE_BYTES // 2**20} MiB for checkpoints")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise UserError(f"cannot write to {out}: {exc.strerror}; choose a writable --out directory") from None
    return path
