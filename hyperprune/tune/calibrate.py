"""Run a calibration on Ray Tune, or resume one: the pool trained without exclusion, replicates
from other seeds, then the offline analysis.

Phases: (1) a search whose every candidate is a finalist (``final_count`` = pool size) trains
the whole pool to ``epochs`` with the search's trainable, seeding, dense reference and
per-epoch measurement, and writes ``OUT/pool.parquet`` in the search's format (so ``OUT`` also
works as ``--initial-pool``); (2) for each other master seed (``seed + 1``, ...), a search over a
fixed list of ``replicate_count`` candidates drawn at random (seeded by the master seed), in
``OUT/replicates/seed-<s>/``; (3) :func:`hyperprune.calibration.analysis.analyse` writes
``OUT/calibration.json``, the benchmark table ``OUT/table.parquet`` and the report. Every phase that finished is skipped on resume.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hyperprune.calibration.analysis import analyse
from hyperprune.calibration.curves import Curves, ranked_rows
from hyperprune.calibration.files import OPTIONS_FILE, RESULT_FILE
from hyperprune.calibration.metrics import EARLY_METRICS
from hyperprune.calibration.noise import pick_random, seed_noise
from hyperprune.errors import UserError
from hyperprune.files import write_json
from hyperprune.models import task_kind_of, task_of
from hyperprune.run_options import build_spec
from hyperprune.searching.calibrate_options import CalibrateOptions, validate
from hyperprune.searching.locks import withdraw_output
from hyperprune.searching.options import check_output_dir
from hyperprune.searching.pool import read_pool
from hyperprune.tune.driver import Search

CANDIDATES_FILE = "candidates.json"


class FixedPoolSearch(Search):
    """A search over a given list of candidates (no searcher), e.g. a calibration's replicates."""

    def _fixed_candidates(self) -> list[dict]:
        return json.loads((self.out / CANDIDATES_FILE).read_text())


class Calibration:
    def __init__(self, opts: CalibrateOptions, out: Path) -> None:
        self.opts = opts
        self.out = out
        self.log = (lambda *a: None) if opts.quiet else (lambda text: print(text, flush=True))
        self.created: Path | None = None  # the outermost directory prepare() made for --out

    # -- preparation ---------------------------------------------------------------------------
    @classmethod
    def prepare(cls, opts: CalibrateOptions) -> Calibration:
        from hyperprune.signals.registry import signal_names, signals_for

        validate(opts, signal_names())
        if Path(opts.out, OPTIONS_FILE).is_file():
            raise UserError(f"{opts.out} already holds a calibration; continue it with 'hyperprune resume "
                            f"{opts.out}' or choose another --out")
        main = Search.prepare(opts.search_options(metric="loss"))  # every search check, before Ray
        kind = task_kind_of(main.spec.model)
        available = signals_for(kind)
        for name in opts.metrics:
            if name not in available:
                withdraw_output(main.out, main.created)
                raise UserError(f"metric {name!r} needs a recurrent language model; with a {kind} use: "
                                f"{', '.join(available)}")
        values = {**opts.to_json(), "sparsity": main.opts.sparsity, "metrics": list(opts.metrics) or available}
        calibration = cls(CalibrateOptions.from_json(values), main.out)
        calibration.created = main.created
        return calibration

    @classmethod
    def load(cls, out_dir: str | Path) -> Calibration:
        path = Path(out_dir) / OPTIONS_FILE
        try:
            opts = CalibrateOptions.from_json(json.loads(path.read_text())["options"])
        except (OSError, json.JSONDecodeError, KeyError, TypeError):
            raise UserError(f"{path} is damaged; the calibration cannot be resumed") from None
        check_output_dir(out_dir, fresh=False)
        return cls(opts, Path(out_dir).resolve())

    # -- phases --------------------------------------------------------------------------------
    def _ranking_metric(self) -> str:
        return "ls" if "ls" in self.opts.metrics else "loss"

    def _run_search(self, search_cls, opts, out: Path, candidates: list[dict] | None = None) -> None:
        if (out / "result.json").is_file():
            return
        if (out / "search.json").is_file():
            search_cls.load(str(out)).resume()
            return
        check_output_dir(out, fresh=True)
        if candidates is not None:
            write_json(out / CANDIDATES_FILE, candidates)
        search_cls(opts, out, build_spec(opts)).start()

    def _replicate_candidates(self, rows: list[dict]) -> list[dict]:
        rows = sorted(ranked_rows(rows), key=lambda r: r["candidate_id"])
        finals = [r["final_val_metric"] if r["final_val_metric"] is not None else math.nan for r in rows]
        lower = task_of(build_spec(self.opts.search_options()).model).lower_is_better
        ranked = finals if lower else [-f for f in finals]
        chosen = pick_random([r["candidate_id"] for r in rows], ranked, self.opts.replicate_count, self.opts.seed)
        by_id = {r["candidate_id"]: r for r in rows}
        return [{"candidate_id": cid, "method": by_id[cid]["method"], "sparsity": by_id[cid]["sparsity"],
                 "hparams": by_id[cid]["hparams_dict"]} for cid in chosen]

    def replicate_dirs(self) -> list[tuple[int, Path]]:
        return [(self.opts.seed + r, self.out / "replicates" / f"seed-{self.opts.seed + r}")
                for r in range(1, self.opts.replicates)]

    def execute(self, restore: bool = False) -> dict:
        if not restore:
            write_json(self.out / OPTIONS_FILE, {"options": self.opts.to_json()})
        opts = self.opts.search_options(metric=self._ranking_metric())
        self.log(f"calibration: {opts.max_evals} proposals, every candidate trained to {self.opts.epochs} epochs "
                 "(nobody excluded)")
        try:
            self._run_search(Search, opts, self.out)
        except BaseException:
            if not (self.out / "search.json").is_file():  # Ray never answered: leave nothing behind
                (self.out / OPTIONS_FILE).unlink(missing_ok=True)
                withdraw_output(self.out, self.created)
            raise
        candidates = self._replicate_candidates(read_pool(self.out))
        for seed, folder in self.replicate_dirs():
            if not candidates:
                break
            self.log(f"calibration: retraining {len(candidates)} candidates from master seed {seed} (seed noise)")
            rep = self.opts.search_options(seed=seed, out=str(folder), pool_size=len(candidates),
                                           metric=self._ranking_metric())
            self._run_search(FixedPoolSearch, rep, folder, candidates)
        result = self.analyse()
        write_json(self.out / RESULT_FILE, result)
        self.write_table(result)
        return result

    def write_table(self, result: dict) -> None:
        """``OUT/table.parquet``: the calibration as a benchmark table (:mod:`hyperprune.calibration.table`)."""
        from hyperprune.calibration.table import TABLE_FILE, table_from_calibration, write_table
        from hyperprune.config import spec_to_dict

        spec = spec_to_dict(build_spec(self.opts.search_options()))
        write_table(self.out / TABLE_FILE, *table_from_calibration(self.out, result, spec))

    def _training_seconds(self) -> float:
        """Wall time of the searches that trained the pool and its replicates (their last sessions)."""
        total = 0.0
        for folder in [self.out] + [f for _, f in self.replicate_dirs()]:
            path = folder / "result.json"
            if path.is_file():
                total += float(json.loads(path.read_text()).get("elapsed_s") or 0.0)
        return total

    def _epoch0_spectra(self, rows: list[dict]) -> dict[str, list[float]]:
        """Each candidate's spectrum before training, from its saved pool checkpoint."""
        from hyperprune.training.checkpoint import load_safe

        out = {}
        for row in rows:
            path = self.out / "pool" / row["candidate_id"] / "run.pt"
            if path.is_file():
                out[row["candidate_id"]] = list(load_safe(path).get("ls_epoch0") or [])
        return out

    def analyse(self) -> dict:
        """The analysis of what is on disk (also what ``hyperprune report`` redraws from)."""
        from hyperprune.calibration.spectra import offline_distance

        rows = ranked_rows(read_pool(self.out))
        spec = build_spec(self.opts.search_options())
        task = task_of(spec.model)
        lower = task.lower_is_better
        from hyperprune.signals.registry import get_signal

        signals = {m: get_signal(m) for m in self.opts.metrics}
        needed = list(dict.fromkeys(i for signal in signals.values() for i in signal.inputs))
        metrics = {i: EARLY_METRICS.get(i) for i in needed}  # the measured inputs the signals read
        columns = {m: info.column for m, info in metrics.items() if info.column}
        curves = Curves.from_rows(rows, self.opts.epochs, lower_is_better=lower, metrics=columns)
        dense_file = self.out / "dense_reference.json"
        reference = json.loads(dense_file.read_text()) if dense_file.is_file() else {}
        dense = reference.get("record") or {}
        offline = {m: info.distance for m, info in metrics.items() if info.distance}
        if offline:
            by_id = {r["candidate_id"]: r for r in rows}
            epoch0 = self._epoch0_spectra(rows)
            for name, variant in offline.items():
                curves.metrics[name] = [offline_distance(variant, by_id[cid], epoch0.get(cid), dense,
                                                         self.opts.epochs) for cid in curves.ids]
        pool_final = dict(zip(curves.ids, curves.final, strict=True))
        replicate_finals = []
        for _, folder in self.replicate_dirs():
            if (folder / "pool.parquet").is_file():
                rep = Curves.from_rows(read_pool(folder), self.opts.epochs, lower_is_better=lower, metrics={})
                replicate_finals.append(dict(zip(rep.ids, rep.final, strict=True)))
        result = analyse(curves, list(self.opts.metrics), noise=seed_noise(pool_final, replicate_finals),
                         dense=dense, tolerance=self.opts.tolerance, seed=self.opts.seed,
                         samples=self.opts.bootstrap, labels={m: s.label for m, s in signals.items()},
                         prune_by=self.opts.e0)
        result["quality"] = task.quality
        result["search_flags"] = {m: {"metric": m, **s.search_flags} for m, s in signals.items()}
        result["dense_noise_floor"] = reference.get("noise_floor")
        result["training_s"] = round(self._training_seconds(), 1)
        result["options"] = self.opts.to_json()
        return result

    def start(self) -> dict:
        return self.execute(restore=False)

    def resume(self) -> dict:
        return self.execute(restore=True)
