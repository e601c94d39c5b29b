"""Bad input to `hyperprune calibrate`, and `search --from-calibration` (no training)."""

import json

import pytest

from hyperprune.cli import build_parser, main
from hyperprune.cli.search import options_from_args


@pytest.mark.parametrize("extra, message", [
    (["--epochs", "1"], "--epochs must be at least 2"),
    (["--max-evals", "2"], "--max-evals must be at least 3"),
    (["--metrics", "ls,speed"], "unknown metric 'speed'"),
    (["--metrics", "ls", "--model", "mlp", "--data", "digits"], "needs a recurrent language model"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, extra, message):
    out = tmp_path / "cal"
    code = main(["calibrate", "--out", str(out), "--no-dashboard", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not (out / "calibrate.json").exists() and not (out / "search.json").exists()


def _calibration(folder, recommendation):
    folder.mkdir()
    (folder / "calibration.json").write_text(json.dumps({
        "epochs": 8, "recommendation": recommendation, "recommendation_note": "within noise",
        "search_flags": {"ls": {"metric": "ls"}, "loss": {"metric": "loss"}}}))
    return folder


def test_search_takes_the_recommended_schedule(tmp_path):
    cal = _calibration(tmp_path / "cal", {"metric": "loss", "e0": 3, "ei": 2, "final_count": 1})
    args = build_parser().parse_args(["search", "--from-calibration", str(cal)])
    opts = options_from_args(args)
    assert (opts.metric, opts.e0, opts.ei, opts.final_count, opts.final_epochs) == ("loss", 3, 2, 1, 8)
    args = build_parser().parse_args(["search", "--from-calibration", str(cal), "--final-epochs", "20"])
    assert options_from_args(args).final_epochs == 20


def test_from_calibration_refuses_conflicts_and_missing_recommendations(tmp_path, capsys):
    cal = _calibration(tmp_path / "cal", {"metric": "ls", "e0": 2, "ei": 1, "final_count": 2})
    assert main(["search", "--from-calibration", str(cal), "--e0", "4", "--out", str(tmp_path / "s")]) == 2
    assert "--e0 conflicts with --from-calibration" in capsys.readouterr().err
    none = _calibration(tmp_path / "none", None)
    assert main(["search", "--from-calibration", str(none), "--out", str(tmp_path / "s")]) == 2
    assert "recommends no schedule (within noise)" in capsys.readouterr().err
    assert main(["search", "--from-calibration", str(tmp_path), "--out", str(tmp_path / "s")]) == 2
    assert "holds no finished calibration" in capsys.readouterr().err


def test_metric_auto_takes_the_calibrations_best_signal(tmp_path):
    cal = _calibration(tmp_path / "cal", {"metric": "rank", "e0": 3, "ei": 1, "final_count": 2})
    args = build_parser().parse_args(["search", "--metric", "auto", "--from-calibration", str(cal)])
    opts = options_from_args(args)
    assert (opts.metric, opts.e0, opts.ei, opts.final_count) == ("rank", 3, 1, 2)


def test_metric_auto_without_a_calibration_is_one_line_and_exit_2(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["search", "--metric", "auto", "--out", str(out), "--no-dashboard"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--metric auto" in err and "--from-calibration" in err
    assert not (out / "search.json").exists()


def test_the_search_help_names_every_signal(capsys):
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in ("ls", "ls-trajectory", "loss", "rank", "loss-extrapolation", "auto"):
        assert name in text
