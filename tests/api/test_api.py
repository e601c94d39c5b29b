"""The Python API without training: ``hyperprune.search`` the function in every import order,
bad options raising the command line's message, pools as DataFrames, results read back."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hyperprune
from hyperprune.cli import main
from hyperprune.errors import UserError
from hyperprune.searching.pool import SCHEMA, empty_row, write_pool

BAD_CALL = "hyperprune.search(max_evals=1, final_count=2, out=sys.argv[1])"


@pytest.mark.parametrize(
    "before",
    ["", "import hyperprune.searching.options", "from hyperprune.searching import pool", "import hyperprune.api"],
)
def test_search_is_the_api_function_in_every_import_order(before, tmp_path):
    """A fresh interpreter: whatever was imported first, ``hyperprune.search`` is the plain
    function of the API, imports neither torch nor Ray, and reaches the search's checks."""
    code = "\n".join(
        [
            "import sys",
            before,
            "import hyperprune",
            "import hyperprune.searching.options",
            "import types",
            "assert type(hyperprune.search) is types.FunctionType, hyperprune.search",
            "assert hyperprune.search is sys.modules['hyperprune.api'].search",
            "assert type(sys.modules['hyperprune.searching']) is types.ModuleType",
            "assert not {'torch', 'ray'} & set(sys.modules), 'heavy import'",
            "try:",
            f"    {BAD_CALL}",
            "except hyperprune.UserError as exc:",
            "    print(exc)",
        ]
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "--max-evals (1) must be at least --final-count (2)"
    assert not (tmp_path / "out").exists()


def test_searching_package_keeps_its_submodules_and_options():
    import hyperprune.searching.options as options_module

    assert hyperprune.searching.options is options_module
    assert hyperprune.SearchOptions is options_module.SearchOptions
    from hyperprune.lyapunov import lyapunov_spectrum

    assert hyperprune.lyapunov_spectrum is lyapunov_spectrum


@pytest.mark.parametrize(
    "flags, keywords",
    [
        (["--max-evals", "1", "--final-count", "2"], {"max_evals": 1, "final_count": 2}),
        (["--e0", "0"], {"e0": 0}),
        (["--hpo", "grid"], {"hpo": "grid"}),
        (["--seed", "-1"], {"seed": -1}),
        (["--sparsity", "1.5"], {"sparsity": 1.5}),
        (["--final-epochs", "1", "--e0", "2"], {"final_epochs": 1, "e0": 2}),
        (["--set", "train.no_such_key=1"], {"settings": ["train.no_such_key=1"]}),
    ],
)
def test_bad_options_raise_the_command_line_message(flags, keywords, tmp_path, capsys):
    assert main(["search", "--out", str(tmp_path / "cli"), "--no-dashboard", *flags]) == 2
    cli_message = capsys.readouterr().err.strip().removeprefix("hyperprune: error: ")
    with pytest.raises(UserError) as raised:
        hyperprune.search(out=tmp_path / "api", dashboard=False, **keywords)
    assert str(raised.value) == cli_message
    assert not (tmp_path / "api" / "search.json").exists()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: hyperprune.search(max_eval=4), "unknown option 'max_eval'; did you mean max_evals?"),
        (lambda: hyperprune.search(max_evals="4"), "max_evals must be a whole number, got '4'"),
        (lambda: hyperprune.search(dashboard="no"), "dashboard must be True or False, got 'no'"),
        (lambda: hyperprune.search(cache_dir=3), "cache_dir must be a string or None, got 3"),
        (
            lambda: hyperprune.search(settings="train.lr=10"),
            "settings must be a list of strings, got 'train.lr=10'",
        ),
        (
            lambda: hyperprune.search(hyperprune.CalibrateOptions()),
            "options must be a SearchOptions, got CalibrateOptions",
        ),
        (
            lambda: hyperprune.calibrate(epochs=1),
            "--epochs must be at least 2 (an early epoch and the final one), got 1",
        ),
    ],
)
def test_keywords_are_checked_like_flags(call, message):
    with pytest.raises(UserError, match="^" + re.escape(message)):
        call()


def _calibration(folder: Path) -> Path:
    """A finished calibration's directory that recommends loss, e0 3, ei 2, one finalist, 8 epochs."""
    folder.mkdir()
    recommendation = {"metric": "loss", "e0": 3, "ei": 2, "final_count": 1}
    result = {"epochs": 8, "recommendation": recommendation, "search_flags": {"loss": {"metric": "loss"}}}
    (folder / "calibration.json").write_text(json.dumps(result))
    return folder


def test_from_calibration_conflicts_are_refused(tmp_path):
    cal = _calibration(tmp_path / "cal")
    with pytest.raises(UserError, match="--e0 conflicts with --from-calibration"):
        hyperprune.search(from_calibration=cal, e0=4, out=tmp_path / "s")
    with pytest.raises(UserError, match="holds no finished calibration"):
        hyperprune.search(from_calibration=tmp_path, out=tmp_path / "s")


def test_from_calibration_sets_the_schedule(tmp_path, monkeypatch):
    """The options the search is prepared with (the driver itself is not started here)."""
    import hyperprune.api

    cal = _calibration(tmp_path / "cal")
    prepared = []

    class Driver:
        @staticmethod
        def prepare(opts):
            prepared.append(opts)
            raise UserError("stop here")

    monkeypatch.setattr(hyperprune.api, "_search_class", lambda: Driver)
    for kwargs in ({}, {"final_epochs": 20}):
        with pytest.raises(UserError, match="stop here"):
            hyperprune.search(hyperprune.SearchOptions(max_evals=4), from_calibration=str(cal), **kwargs)
    assert [(o.metric, o.e0, o.ei, o.final_count, o.final_epochs, o.max_evals) for o in prepared] == [
        ("loss", 3, 2, 1, 8, 4),
        ("loss", 3, 2, 1, 20, 4),
    ]


def test_paths_and_lists_become_the_fields_types():
    from hyperprune.keyword_options import options_with

    opts = options_with(
        hyperprune.SearchOptions,
        None,
        {"out": Path("runs") / "x", "settings": ["train.lr=10"], "cpus_per_trial": 2},
    )
    assert opts.out == str(Path("runs") / "x") and opts.settings == ("train.lr=10",)
    assert json.loads(json.dumps(opts.to_json()))["out"] == opts.out


def _pool(folder: Path) -> list[dict]:
    rows = []
    for cid, status in (("c000", "winner"), ("c001", "eliminated")):
        row = empty_row(cid, f"t{cid}")
        row.update(
            method="dst",
            sparsity=0.67,
            hparams=json.dumps({"death": "SET"}),
            status=status,
            epochs=[1, 2],
            val_loss=[6.5, 6.1],
        )
        rows.append(row)
    write_pool(folder / "pool.parquet", rows)
    return rows


def test_load_pool_gives_a_dataframe_with_the_pool_columns(tmp_path):
    _pool(tmp_path)
    for path in (tmp_path, tmp_path / "pool.parquet"):
        pool = hyperprune.load_pool(path)
        assert list(pool.columns) == SCHEMA.names
        assert pool.candidate_id.tolist() == ["c000", "c001"]
        assert pool.hparams.tolist() == [{"death": "SET"}, {"death": "SET"}]
        assert pool.val_loss.iloc[0] == [6.5, 6.1] and pool.failures.tolist() == [0, 0]
    with pytest.raises(UserError, match="no pool at"):
        hyperprune.load_pool(tmp_path / "missing")


def test_a_failed_search_reads_back_as_a_result_with_exit_status_3(tmp_path):
    _pool(tmp_path)
    first = {"candidate_id": "c000", "attempt": 1, "error": "RuntimeError: boom", "trace": None, "hint": None}
    (tmp_path / "result.json").write_text(
        json.dumps({"status": "failed", "first_error": first, "winner": None, "finalists": []})
    )
    result = hyperprune.load_result(tmp_path)
    assert (result.status, result.winner, result.finalists, result.exit_status) == ("failed", None, [], 3)
    assert result.raw["first_error"] == first and len(result.pool) == 2
    assert result.paths.out == tmp_path.resolve() and result.paths.winner_weights is None
    assert result.paths.pool == tmp_path.resolve() / "pool.parquet" and result.paths.report is None
    assert "failed" in repr(result) and "DataFrame" not in repr(result)


def test_load_result_without_a_finished_search(tmp_path):
    with pytest.raises(UserError, match="holds no finished search .*start one with 'hyperprune search'"):
        hyperprune.load_result(tmp_path)
    (tmp_path / "search.json").write_text("{}")
    with pytest.raises(UserError, match="continue it with 'hyperprune resume"):
        hyperprune.load_result(tmp_path)
    (tmp_path / "result.json").write_text("{not json")
    with pytest.raises(UserError, match="is damaged"):
        hyperprune.load_result(tmp_path)
