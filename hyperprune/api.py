"""The Python API: run, resume and read searches and calibrations from Python.

``hyperprune.search``, ``hyperprune.resume``, ``hyperprune.load_result``,
``hyperprune.load_pool`` and ``hyperprune.calibrate`` are the functions below; the command line
(:mod:`hyperprune.cli`) is a thin layer on them that prints and turns results into exit
statuses. Bad input raises :class:`~hyperprune.errors.UserError` with the command line's
one-line message; a search that ran but failed returns its result (``status`` ``failed``) rather
than raising. Progress lines are printed unless ``quiet=True``, as on the command line.

The examples run as one session, in order (``tests/api/test_api_docstrings.py``): the search in
:func:`search` makes the ``result`` the later ones read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

    from hyperprune.search_result import SearchResult
    from hyperprune.searching.calibrate_options import CalibrateOptions
    from hyperprune.searching.options import SearchOptions


def _search_class():
    """The search driver, imported here only (running a search imports Ray)."""
    from hyperprune.tune.driver import Search

    return Search


def _calibration_module():
    """The calibration driver, imported here only."""
    from hyperprune.tune import calibrate

    return calibrate


def _write_report(out: Path, report: bool) -> None:
    if report:
        from hyperprune.report.after_run import write_report_if_available

        write_report_if_available(out)


def search(
    options: SearchOptions | None = None,
    *,
    from_calibration: str | Path | None = None,
    report: bool = True,
    **overrides: Any,
) -> SearchResult:
    """Run a search and return its :class:`~hyperprune.search_result.SearchResult`.

    ``options`` (a :class:`~hyperprune.searching.options.SearchOptions`, default: the defaults)
    with ``overrides`` (its fields as keywords) applied. ``from_calibration``: a finished
    calibration's directory whose recommendation sets ``metric``, ``ls_distance``, ``e0``, ``ei``,
    ``final_count`` and ``final_epochs`` (keeping a ``final_epochs`` override); overriding one
    of the others as well is a conflict. ``report``: write ``OUT/report/index.html`` at the end
    (and print its path). Everything is checked before anything starts; a mistake raises
    :class:`~hyperprune.errors.UserError`.

    A tiny search (a few seconds of training on the embedded corpus; Ray starts embedded):

    >>> import tempfile
    >>> import hyperprune
    >>> tmp = tempfile.mkdtemp()
    >>> result = hyperprune.search(
    ...     max_evals=2, e0=1, ei=1, final_count=1, final_epochs=2,
    ...     settings=["train.max_batches=6", "train.max_eval_batches=4"],
    ...     out=f"{tmp}/search", cache_dir=f"{tmp}/cache", dashboard=False, quiet=True, report=False)
    >>> result.status, result.exit_status
    ('finished', 0)
    >>> result.winner["method"], result.winner["sparsity"], len(result.finalists)
    ('dst', 0.67, 1)
    >>> sorted(result.winner["hparams"])
    ['death', 'death_rate', 'growth', 'redistribution', 'sparse_init']
    >>> result.paths.winner_weights.relative_to(result.paths.out).as_posix()
    'winner/weights.pt'
    >>> len(result.pool), int((result.pool.status == "winner").sum())
    (2, 1)

    Bad input raises before anything starts, with the command line's message:

    >>> hyperprune.search(max_evals=1, final_count=2, out=f"{tmp}/bad")
    Traceback (most recent call last):
    ...
    hyperprune.errors.UserError: --max-evals (1) must be at least --final-count (2)
    """
    from hyperprune.keyword_options import options_with
    from hyperprune.search_result import SearchResult
    from hyperprune.searching.options import SearchOptions

    opts = options_with(SearchOptions, options, overrides)
    if from_calibration is not None:
        from hyperprune.searching.from_calibration import schedule_from_calibration

        opts = options_with(SearchOptions, opts, schedule_from_calibration(str(from_calibration), overrides))
    run = _search_class().prepare(opts)
    run.start(report=report)
    return SearchResult.from_dir(run.out)


def resume(path: str | Path, *, report: bool = True) -> SearchResult | dict:
    """Continue the interrupted search in ``path`` (driver killed, reboot) and return its result;
    a finished one returns its result at once. ``report``: write its report at the end.

    A calibration's directory continues the calibration and returns its result, as
    :func:`calibrate` does.

    >>> resumed = hyperprune.resume(result.paths.out, report=False)
    >>> resumed.status, resumed.winner == result.winner
    ('finished', True)
    """
    from hyperprune.calibration.files import is_calibration
    from hyperprune.search_result import SearchResult

    if is_calibration(path):
        calibration = _calibration_module().Calibration.load(path)
        outcome = calibration.resume()
        _write_report(calibration.out, report)
        return outcome
    run = _search_class().load(str(path))
    run.resume(report=report)
    return SearchResult.from_dir(run.out)


def load_result(path: str | Path) -> SearchResult:
    """The result of the finished search in ``path``, read from its files (no Ray).

    >>> hyperprune.load_result(result.paths.out).winner == result.winner
    True
    """
    from hyperprune.search_result import SearchResult

    return SearchResult.from_dir(path)


def load_pool(path: str | Path) -> pandas.DataFrame:
    """The candidate pool of a search (its directory or its ``pool.parquet``) as a DataFrame.

    One row per candidate and one column per column of ``pool.parquet`` (see
    :mod:`hyperprune.searching.pool`; columns of older pools are filled in), ``hparams`` as a dict.
    A missing or damaged pool raises :class:`~hyperprune.errors.UserError`.

    >>> pool = hyperprune.load_pool(result.paths.out)
    >>> pool[["candidate_id", "method"]].to_dict("records")
    [{'candidate_id': 'c000', 'method': 'dst'}, {'candidate_id': 'c001', 'method': 'dst'}]
    >>> pool.loc[pool.status == "winner", "candidate_id"].item() == result.winner["candidate_id"]
    True
    >>> int(pool.epochs.map(len).max())
    2
    """
    from hyperprune.searching.pool import pool_frame

    return pool_frame(path)


def calibrate(options: CalibrateOptions | None = None, *, report: bool = True, **overrides: Any) -> dict:
    """Run a calibration (does the early metric predict the final result here?) and return what
    it writes to ``OUT/calibration.json``: correlations, replayed schedules, the recommendation
    (``hyperprune.calibration.summary.render`` prints it as the command line does).

    ``options`` (a :class:`~hyperprune.searching.calibrate_options.CalibrateOptions`) with
    ``overrides`` applied, as in :func:`search`; ``report``: write its report at the end.

    >>> hyperprune.calibrate(epochs=1, out=f"{tmp}/calibration")
    Traceback (most recent call last):
    ...
    hyperprune.errors.UserError: --epochs must be at least 2 (an early epoch and the final one), got 1
    """
    from hyperprune.keyword_options import options_with
    from hyperprune.searching.calibrate_options import CalibrateOptions

    calibrate_module = _calibration_module()
    calibration = calibrate_module.Calibration.prepare(options_with(CalibrateOptions, options, overrides))
    outcome = calibration.start()
    _write_report(calibration.out, report)
    return outcome
