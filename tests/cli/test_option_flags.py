"""The flags of search, calibrate, train and resume are made from their options dataclasses:
every field has a documented flag, the default command line gives the defaults, flag names stay
as they were, and saved options of earlier versions still load."""

import argparse
import dataclasses

import pytest

from hyperprune.cli import build_parser
from hyperprune.cli.calibrate import options_from_args as calibrate_options
from hyperprune.cli.dataclass_flags import FlagHelpFormatter
from hyperprune.cli.resume import ResumeOptions
from hyperprune.cli.search import options_from_args as search_options
from hyperprune.cli.train import options_from_args as train_options
from hyperprune.registry import names_of
from hyperprune.run_options import TrainOptions
from hyperprune.searching.calibrate_options import CalibrateOptions
from hyperprune.searching.options import SearchOptions

COMMANDS = {
    "search": SearchOptions,
    "calibrate": CalibrateOptions,
    "train": TrainOptions,
    "resume": ResumeOptions,
}
REQUIRED = {"train": ["--out", "runs/t"], "resume": ["runs/s"]}

PROBLEM_FLAGS = {
    "--sparsity",
    "--space",
    "--preset",
    "--model",
    "--data",
    "--data-path",
    "--set",
    "--seed",
    "--out",
    "--address",
    "--hpo",
    "--max-evals",
    "--cpus-per-trial",
    "--gpus-per-trial",
    "--cache-dir",
    "--max-failures",
    "--no-dashboard",
    "--reuse-actors",
    "--no-report",
    "--quiet",
}
FLAGS = {  # the flags of each command before they were made from the dataclasses
    "search": PROBLEM_FLAGS
    | {
        "--metric",
        "--ls-distance",
        "--e0",
        "--ei",
        "--final-count",
        "--final-epochs",
        "--from-calibration",
        "--storage",
        "--initial-pool",
        "--initial-pool-any-seed",
        "--ls-every-epoch",
        "--no-noise-floor",
        "--noise-floor-seeds",
        "--dense-progress-timeout",
    },
    "calibrate": PROBLEM_FLAGS
    | {"--epochs", "--e0", "--metrics", "--replicates", "--replicate-count", "--tolerance", "--bootstrap"},
    "train": {
        "--method",
        "--sparsity",
        "--set",
        "--preset",
        "--epochs",
        "--out",
        "--seed",
        "--model",
        "--data",
        "--data-path",
        "--device",
        "--resume",
    },
    "resume": set(),
}


def _command(name: str) -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_field_has_a_documented_flag_and_the_flags_are_unchanged(command):
    parser = _command(command)
    by_dest = {a.dest: a for a in parser._actions}
    for field in dataclasses.fields(COMMANDS[command]):
        assert field.name in by_dest, f"{command}: no flag for {field.name}"
        assert field.metadata.get("help") and by_dest[field.name].help, f"{command} {field.name}: no help"
    flags = {s for a in parser._actions for s in a.option_strings} - {"-h", "--help"}
    assert flags == FLAGS[command]


def test_the_default_command_line_gives_the_dataclass_defaults():
    parser = build_parser()
    assert search_options(parser.parse_args(["search"])) == SearchOptions()
    assert calibrate_options(parser.parse_args(["calibrate"])) == CalibrateOptions()
    assert train_options(parser.parse_args(["train", *REQUIRED["train"]])) == TrainOptions(out="runs/t")
    assert parser.parse_args(["resume", "runs/s"]).out == ResumeOptions(out="runs/s").out


def test_flags_set_their_fields():
    parser = build_parser()
    opts = search_options(
        parser.parse_args(
            [
                "search",
                "--max-evals",
                "5",
                "--sparsity",
                "0.5",
                "--set",
                "train.lr=3",
                "--set",
                "model.hidden_size=8",
                "--no-dashboard",
                "--ls-every-epoch",
                "--gpus-per-trial",
                "0.5",
                "--e0",
                "3",
                "--reuse-actors",
                "no",
            ]
        )
    )
    assert (opts.max_evals, opts.sparsity, opts.settings, opts.dashboard, opts.ls_every_epoch) == (
        5,
        0.5,
        ("train.lr=3", "model.hidden_size=8"),
        False,
        True,
    )
    assert (opts.gpus_per_trial, opts.e0, opts.ei, opts.reuse_actors) == (0.5, 3, 1, "no")
    cal = calibrate_options(parser.parse_args(["calibrate", "--metrics", "ls, loss", "--hpo", "tpe"]))
    assert (cal.metrics, cal.hpo, cal.max_evals) == (("ls", "loss"), "tpe", 16)
    train = train_options(
        parser.parse_args(
            [
                "train",
                "--out",
                "d",
                "--set",
                "death=magnitude",
                "--set",
                "train.lr=2",
                "--epochs",
                "3",
                "--seed",
                "7",
            ]
        )
    )
    assert train.hparams() == {"death": "magnitude"}
    assert train.run_settings() == {"train.lr": "2", "train.epochs": 3, "train.seed": 7}


def test_a_bad_value_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["search", "--reuse-actors", "maybe"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--reuse-actors" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_the_registry_names(command):
    text = _command(command).format_help()
    assert isinstance(_command(command).formatter_class, type)
    assert _command(command).formatter_class is FlagHelpFormatter
    for field in dataclasses.fields(COMMANDS[command]):
        if "names" in field.metadata:
            names = names_of(field.metadata["names"])
            assert names and all(isinstance(n, str) for n in names), field.name
    if command == "search":
        assert "[one of: cnn, gru, lstm, mlp, rhn, rnn_tanh]" in " ".join(text.split())


NOISE_FLOOR_SEEDS = SearchOptions().noise_floor_seeds
#: search options added since that layout, with their defaults
ADDED_SINCE = {"initial_pool_any_seed": False, "noise_floor_seeds": NOISE_FLOOR_SEEDS, "dense_progress_timeout": 1800.0}


def test_search_json_of_an_earlier_version_loads_and_keeps_its_layout():
    saved = {
        "hpo": "tpe",
        "max_evals": 4,
        "metric": "loss",
        "ls_distance": "l2",
        "e0": 1,
        "ei": 1,
        "final_count": 1,
        "final_epochs": 3,
        "sparsity": 0.5,
        "space": "reference",
        "preset": "tiny",
        "model": "gru",
        "data": None,
        "data_path": None,
        "settings": ["train.lr=5"],
        "seed": 3,
        "out": "runs/x",
        "address": None,
        "cpus_per_trial": 1.0,
        "gpus_per_trial": 0.0,
        "storage": None,
        "cache_dir": None,
        "initial_pool": None,
        "max_failures": 2,
        "dashboard": False,
        "reuse_actors": "auto",
        "quiet": True,
        "ls_every_epoch": False,
        "a_key_of_a_later_version": 1,
    }
    opts = SearchOptions.from_json(saved)
    assert opts.settings == ("train.lr=5",) and opts.model == "gru" and opts.metric == "loss"
    del saved["a_key_of_a_later_version"]
    assert opts.noise_floor  # an option added since takes its default
    assert opts.to_json() == {**saved, "noise_floor": True, **ADDED_SINCE}
    cal = CalibrateOptions(metrics=("ls",), settings=("train.lr=5",), max_evals=5)
    assert CalibrateOptions.from_json({**cal.to_json(), "storage": None}) == cal
    search = cal.search_options(seed=4)
    assert (search.seed, search.final_count, search.final_epochs, search.settings, search.ls_every_epoch) == (
        4,
        5,
        8,
        ("train.lr=5",),
        True,
    )


def test_train_help_lists_every_run_setting():
    from hyperprune.config import RunSpec, spec_to_dict

    text = _command("train").format_help()
    for section, values in spec_to_dict(RunSpec()).items():
        for key in values:
            assert f"  {section}.{key} " in text
