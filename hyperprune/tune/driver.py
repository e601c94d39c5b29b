"""Run a hyperpruning search end to end on Ray Tune, or resume one.

Phases: validate everything; connect to Ray; start the dense reference and its noise floor
(or reuse them from the cache) as Ray tasks that train beside the candidates; seed the pool and
run the synchronous halving rounds in one Tune experiment; train the finalists to the full
budget; write ``pool.parquet``, ``result.json`` and the winner's weights.

Output directory layout::

    OUT/search.json            options and run spec (what ``resume`` reads)
    OUT/dense_reference.json   the dense reference's per-epoch loss and spectra
    OUT/pool.parquet           one row per candidate (see hyperprune.searching.pool)
    OUT/pool/<id>/run.pt       the saved round-1 pool (what ``--initial-pool`` continues)
    OUT/tune/search/           the Tune experiment (trial dirs, TensorBoard/CSV logs)
    OUT/result.json            winner and finalists with their figures
    OUT/winner/weights.pt      the winner's masked weights (plain state_dict)
"""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path

from hyperprune.config import RunSpec, spec_from_dict, spec_to_dict
from hyperprune.errors import UserError
from hyperprune.files import write_json
from hyperprune.run_options import build_spec
from hyperprune.searching.locks import first_missing, lock_output, release_output, withdraw_output
from hyperprune.searching.options import SearchOptions, check_output_dir, validate
from hyperprune.searching.saved_pool import saved_pool_candidates
from hyperprune.searching.storage import check_storage
from hyperprune.tune import live_reference
from hyperprune.tune.preflight import check_data, check_ray
from hyperprune.tune.reference_phase import ReferencePhase

EXPERIMENT = "search"


class Search:
    """One search: its options, spec and output directory; ``start`` or ``resume`` it."""

    def __init__(self, opts: SearchOptions, out: Path, spec: RunSpec) -> None:
        self.opts = opts
        self.out = out
        self.spec = spec
        self.log = (lambda *a: None) if opts.quiet else (lambda text: print(text, flush=True))
        self.board = None
        self.created: Path | None = None  # the outermost directory prepare() made for --out

    # -- preparation ---------------------------------------------------------------------------
    @classmethod
    def prepare(cls, opts: SearchOptions) -> Search:
        from hyperprune.searching.space import load_space

        validate(opts)
        check_storage(opts.storage)
        space = load_space(opts.space)
        from hyperprune.searching.first_rung import narrow_to_first_rung
        from hyperprune.searching.levels import option_value, parse_levels

        narrow_to_first_rung(space, opts.e0)  # a space with nothing rankable at --e0 fails here
        chosen = opts.sparsity if opts.sparsity is not None else (space.sparsity or 0.67)
        opts = SearchOptions.from_json({**opts.to_json(), "sparsity": option_value(parse_levels(chosen))})
        spec = build_spec(opts)
        from hyperprune.models import task_kind_of
        from hyperprune.signals.registry import get_signal, signals_for

        if task_kind_of(spec.model) not in get_signal(opts.metric).task_kinds:
            raise UserError(f"--metric {opts.metric} needs a recurrent language model; {spec.model.kind!r} is a "
                            f"classifier: use --metric {' or '.join(signals_for(task_kind_of(spec.model)))}")
        check_data(spec)
        if opts.initial_pool:
            saved_pool_candidates(opts.initial_pool, opts.e0, None if opts.initial_pool_any_seed else opts.seed)
        check_ray(opts)
        created = first_missing(Path(opts.out))
        out = check_output_dir(opts.out, fresh=True)
        lock_output(out)  # held until this process ends; a second search on the same --out is refused
        try:
            check_output_dir(opts.out, fresh=True)  # a search that ended while the lock was awaited
        except UserError:
            withdraw_output(out, created)
            raise
        # search.json is written by start(), once Ray answered: a refused start leaves nothing behind
        search = cls(opts, out, spec)
        search.created = created
        return search

    @classmethod
    def load(cls, out_dir: str) -> Search:
        out = Path(out_dir)
        meta = out / "search.json"
        if not meta.is_file():
            raise UserError(f"{out_dir} holds no search (no search.json); start one with 'hyperprune search'")
        try:
            data = json.loads(meta.read_text())
            opts = SearchOptions.from_json(data["options"])
            spec = spec_from_dict(data["spec"])
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserError(f"{meta} is damaged; it cannot be resumed") from None
        check_storage(opts.storage)
        check_ray(opts)
        check_output_dir(out, fresh=False)
        lock_output(out)
        return cls(opts, out.resolve(), spec)

    # -- pieces --------------------------------------------------------------------------------
    def _storage(self) -> str:
        return self.opts.storage or str(self.out / "tune")

    def _resources(self) -> dict:
        return {"cpu": self.opts.cpus_per_trial, "gpu": self.opts.gpus_per_trial}

    def _last_rung(self) -> int:
        """The last epoch at which the planned pool is ranked (the control and noise floor train to it)."""
        from hyperprune.searching.halving import schedule

        o = self.opts
        rounds = schedule(o.max_evals, o.e0, o.ei, o.final_count, o.final_epochs)["rounds"]
        return max((rung for rung, _, _ in rounds), default=o.e0)

    def _trainable(self, known: dict, feed=None):
        """The candidate trainable; ``known``: the reference by epoch as far as it is known now,
        ``feed``: where the rest arrives while the dense reference trains."""
        from ray import tune

        from trainables.candidate import CandidateTrainable

        trials_ref = {"ls": {int(k): v for k, v in known["ls"].items()},
                      "val_loss": {int(k): v for k, v in known["val_loss"].items()}}
        settings = {"final_epochs": self.opts.final_epochs, "ls_seed": self.opts.seed,
                    "gpus_per_trial": self.opts.gpus_per_trial, "with_ls": True,
                    "ls_distance": self.opts.ls_variant, "control_epochs": self._last_rung(),
                    "ls_epochs": self.opts.ls_epochs(), "status_board": self.board,
                    "reference_feed": feed, "dense_progress_timeout": self.opts.dense_progress_timeout}
        trainable = tune.with_parameters(CandidateTrainable, base=spec_to_dict(self.spec),
                                         settings=settings, reference=trials_ref)
        return tune.with_resources(trainable, self._resources())

    def _fixed_candidates(self) -> list[dict] | None:
        """The candidates to train instead of seeding the pool (a saved pool), or None to seed."""
        o = self.opts
        return saved_pool_candidates(o.initial_pool, o.e0, None if o.initial_pool_any_seed else o.seed) \
            if o.initial_pool else None

    def _concurrency(self) -> int:
        import ray

        resources = ray.cluster_resources()
        by_cpu = int(resources.get("CPU", 1) // self.opts.cpus_per_trial)
        if self.opts.gpus_per_trial > 0:
            by_gpu = int(resources.get("GPU", 0) // self.opts.gpus_per_trial)
            by_cpu = min(by_cpu, by_gpu) if by_gpu else by_cpu
        return max(1, by_cpu)

    def _reuse_actors(self) -> bool:
        """Keep trial actors alive across pauses (about 3x faster for short epochs on one
        machine); on a cluster start a fresh actor per resume instead, so candidates spread over
        the nodes rather than queueing for the node whose actor happens to be cached."""
        if self.opts.reuse_actors == "auto":
            return self.opts.address is None
        return self.opts.reuse_actors == "yes"

    def _tuner(self, known: dict, feed, report: bool = False):
        from ray import tune
        from ray.tune import CheckpointConfig, FailureConfig, RunConfig, TuneConfig
        from ray.tune.stopper import CombinedStopper

        from hyperprune.searching.cost_budget import fit_to_budget, spec_epoch_shape
        from hyperprune.searching.first_rung import narrow_to_first_rung
        from hyperprune.searching.levels import levels_of
        from hyperprune.searching.searchers.level_seeding import seeding_backend
        from hyperprune.searching.space import load_space
        from hyperprune.tune.busy import BusyWatcher
        from hyperprune.tune.failures import FailureWatch
        from hyperprune.tune.open_until_done import OpenUntilDone
        from hyperprune.tune.recorder import PoolRecorder
        from hyperprune.tune.report_warmup import LoadReportWhenIdle
        from hyperprune.tune.scheduler import SchedulerStateCallback, SyncHalvingScheduler
        from hyperprune.tune.seeder import PoolSeeder

        o = self.opts
        concurrency = self._concurrency()
        replay = self._fixed_candidates()
        space = fit_to_budget(load_space(o.space), spec_epoch_shape(self.spec), log=self.log)
        space = narrow_to_first_rung(space, o.e0, log=self.log)
        levels = levels_of(o)
        proposals = o.max_evals * len(levels)  # --max-evals and --final-count count per level
        backend = seeding_backend(o.hpo, space, seed=o.seed, concurrency=concurrency, per_level=o.max_evals,
                                  levels=levels)
        control = space.control and not replay
        seeder = PoolSeeder(backend, max_evals=len(replay) if replay else proposals,
                            concurrency=concurrency, e0=o.e0, sparsity=levels[0], seed=o.seed,
                            metric_key=o.metric_key, replay=replay, control=control, signal=o.metric,
                            final_epochs=o.final_epochs)
        scheduler = SyncHalvingScheduler(metric_key=o.metric_key, e0=o.e0, ei=o.ei,
                                         final_count=o.final_count, final_epochs=o.final_epochs,
                                         control_epochs=self._last_rung(), signal=o.metric, levels=levels)
        recorder = PoolRecorder(str(self.out), scheduler, e0=o.e0, ei=o.ei, final_count=o.final_count,
                                final_epochs=o.final_epochs, metric_key=o.metric_key,
                                max_evals=proposals, quiet=o.quiet,
                                floor_lookup=functools.partial(live_reference.floor_at, str(self.out)),
                                noise_seeds=o.noise_draws() if o.noise_floor else None)
        self.watch = FailureWatch(wave=concurrency, pool_size=(len(replay) if replay else proposals) + int(control),
                                  quiet=o.quiet)
        at_levels = f" at sparsities {', '.join(f'{v:g}' for v in levels)}" if len(levels) > 1 else ""
        self.log(f"seeding {proposals if not replay else len(replay)} candidates{at_levels} with {o.hpo} "
                 f"({concurrency} at a time){' plus the dense control' if control else ''}, ranking by "
                 f"{o.metric}{' (' + o.ls_variant + ' distance)' if o.metric_key == 'ls_distance' else ''}")
        return tune.Tuner(
            self._trainable(known, feed),
            tune_config=TuneConfig(search_alg=OpenUntilDone(seeder), scheduler=scheduler,
                                   # the seeder says when it is finished (see OpenUntilDone)
                                   num_samples=-1,
                                   reuse_actors=self._reuse_actors(), trial_name_creator=_trial_name,
                                   trial_dirname_creator=_trial_name),
            run_config=RunConfig(
                name=EXPERIMENT, storage_path=self._storage(), verbose=0,
                stop=CombinedStopper(self.watch.stopper(), live_reference.DenseRunStopper(str(self.out))),
                callbacks=[SchedulerStateCallback(scheduler), live_reference.HarvestDenseRuns(str(self.out)),
                           self.watch, recorder,
                           BusyWatcher(self.board, quiet=o.quiet), LoadReportWhenIdle(report)],
                checkpoint_config=CheckpointConfig(num_to_keep=1, checkpoint_frequency=1),
                failure_config=FailureConfig(max_failures=o.max_failures),
            ),
        )

    # -- entry points --------------------------------------------------------------------------
    def _connect(self):
        from hyperprune.tune.session import connect

        session = connect(self.opts.address, dashboard=self.opts.dashboard)
        if session.dashboard_url:
            self.log(f"Ray dashboard: {session.dashboard_url}")
        return session

    def _restorable(self, experiment: str) -> bool:
        """Whether the saved experiment can be restored; if it cannot, clear it to start again."""
        from ray import tune

        from hyperprune.tune.restore import repair_experiment

        if not tune.Tuner.can_restore(experiment):
            self._start_over(experiment)
            return False
        if "://" in experiment or repair_experiment(experiment, log=self.log):
            return True
        self._start_over(experiment)
        return False

    def _start_over(self, experiment: str) -> None:
        """The driver died before any snapshot was saved intact: nothing trained can be
        continued, so the partial experiment and pool are set aside and the search starts again."""
        import shutil

        folder = Path(experiment)
        if "://" in experiment or not folder.exists():
            return
        n = 1
        while folder.with_name(f"{folder.name}-abandoned-{n}").exists():
            n += 1
        folder.rename(folder.with_name(f"{folder.name}-abandoned-{n}"))
        for name in ("pool.parquet", "pool", "finalists"):
            path = self.out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        self.log(f"no intact snapshot of the interrupted search was saved; starting it again in {self.out}")

    def start(self, report: bool = False) -> dict:
        """Run the search; ``report``: write ``OUT/report/index.html`` at the end, while Ray's
        processes stop (its modules load while a worker idles after the last round's first
        finalist)."""
        return self._execute(restore=False, report=report)

    def resume(self, report: bool = False) -> dict:
        if (self.out / "result.json").is_file():
            self.log(f"{self.out} is already finished; result.json is up to date")
            if report:
                _write_report(self.out)
            return json.loads((self.out / "result.json").read_text())
        return self._execute(restore=True, report=report)

    def _execute(self, restore: bool, report: bool = False) -> dict:
        import os

        from ray import tune

        from hyperprune.tune.session import begin_shutdown, shutdown

        # The experiment's snapshot (what 'resume' restores) is taken at every turn of Tune's loop,
        # so that what the pool file shows is in it. Spaced by a second it cost about 6% of a core
        # less, but a front search killed in a round and resumed then counted one epoch fewer than
        # the same search uninterrupted
        os.environ.setdefault("TUNE_GLOBAL_CHECKPOINT_S", "0")
        # Ctrl-C must interrupt the driver (the state is saved every step; 'resume' continues), not
        # make Tune end the run quietly, after which the half-trained pool would be finalized
        os.environ.setdefault("TUNE_DISABLE_SIGINT_HANDLER", "1")
        os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
        os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")
        os.environ.setdefault("TUNE_PRINT_ALL_TRIAL_ERRORS", "0")  # FailureWatch prints one line per failure
        started = time.time()
        session = None
        stopped_ray = None  # waits for Ray's shutdown once it has begun
        written = restore  # whether this output directory holds a search (else a refusal leaves nothing)
        try:
            session = self._connect()
            from hyperprune.tune.capacity import check_connected_capacity
            from trainables.status_board import start_board

            check_connected_capacity(self.opts.cpus_per_trial, self.opts.gpus_per_trial,
                                     is_local=session.is_local, log=self.log)
            self.board = start_board()
            if not restore:
                write_json(self.out / "search.json", {"options": self.opts.to_json(),
                                                      "spec": spec_to_dict(self.spec)})
                written = True
            # Tune starts one trial at a time with a custom searcher unless told otherwise: the first
            # candidate would be paused (and its actor reused) before a second node's worker is up.
            os.environ["TUNE_MAX_PENDING_TRIALS_PG"] = str(self._concurrency())
            from hyperprune.tune.head_node import head_node_id

            # the feed lives on the head node: a worker node that leaves the cluster must not take it along
            phase = ReferencePhase(self.out, self.opts, self.spec, resources=self._resources(),
                                   last_rung=self._last_rung(), feed_node=head_node_id(session.dashboard_url),
                                   workers=self._concurrency(), log=self.log)
            phase.start()
            known, feed = phase.known, phase.feed
            live_reference.register(str(self.out), phase)
            experiment = f"{self._storage()}/{EXPERIMENT}"
            if restore:
                from hyperprune.tune.previous_layout import alias_previous_layout

                alias_previous_layout()  # an experiment saved before the Ray side moved to hyperprune.tune
            if restore and self._restorable(experiment):
                self.log(f"resuming the search in {self.out}")
                tuner = tune.Tuner.restore(experiment, trainable=self._trainable(known, feed),
                                           resume_unfinished=True, resume_errored=False)
            else:
                tuner = self._tuner(known, feed, report)
            # a candidate that failed before reporting has no metrics; FailureWatch already said why
            logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)
            tuner.fit()
            from hyperprune.searching.results import finalize
            from hyperprune.tune.dense_reference import DenseRunFailed

            watch = getattr(self, "watch", None)
            stopped = watch.stopped if watch else None
            try:  # a search stopped for its candidates' failures does not wait for its dense runs
                reference = phase.abandon() if stopped else phase.finish()
            except DenseRunFailed as exc:  # the search ends with one line naming the dense run
                reference, stopped = phase.partial_data(), str(exc)
            # nothing after this needs Ray: its processes stop while the result and report are written
            stopped_ray = begin_shutdown(session)
            result = finalize(self.out, self.opts, self.spec, reference, time.time() - started, log=self.log,
                              first_failure=watch.first if watch else None, stopped=stopped)
            if report:
                _write_report(self.out)
        finally:
            live_reference.unregister(str(self.out))
            if stopped_ray is None:
                shutdown(session)
            else:
                stopped_ray()
            if written:
                release_output(self.out)
            else:
                withdraw_output(self.out, self.created)
        return result


def _write_report(out: Path) -> None:
    from hyperprune.report.after_run import write_report_if_available

    write_report_if_available(out)


def _trial_name(trial) -> str:
    return f"cand-{trial.config.get('candidate_id', trial.trial_id)}"


def run_search(opts: SearchOptions) -> dict:
    return Search.prepare(opts).start()


def resume_search(out_dir: str) -> dict:
    return Search.load(out_dir).resume()
