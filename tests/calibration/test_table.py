"""The benchmark table: rows round-trip through Parquet, and its analysis is the calibration's."""

import math

import pytest

from hyperprune.calibration.analysis import analyse
from hyperprune.calibration.curves import Curves
from hyperprune.calibration.noise import seed_noise
from hyperprune.calibration.table import (
    analyse_table,
    improvement,
    make_row,
    read_table,
    table_meta,
    write_table,
)
from hyperprune.errors import UserError

FINALS = {"c000": 300.0, "c001": 200.0, "c002": 250.0, "c003": 400.0}
LS = {"c000": 3.0, "c001": 1.0, "c002": 2.5, "c003": 2.0}


def _record(final: float, epochs: int = 3, ls: float = 1.0, age_offset: int = 0) -> dict:
    ppl = [final * (1 + 0.5 * (epochs - e)) for e in range(1, epochs + 1)]
    return {
        "epochs": [e + age_offset for e in range(1, epochs + 1)],
        "age": list(range(1, epochs + 1)),
        "cost_epochs": [float(age_offset)] * epochs,
        "rankable": [True] * epochs,
        "val_loss": [math.log(p) for p in ppl],
        "val_metric": ppl,
        "train_loss": [5.0] * epochs,
        "ls": [[ls, -ls, -2 * ls] + [-9.0] * 10] * epochs,
        "measured_sparsity": [0.9] * epochs,
        "cpu_s": [1.0] * epochs,
        "test": {"loss": 5.0, "ppl": final * 1.1},
    }


def _table(tmp_path, replicate_shift: float = 5.0):
    rows = []
    for i, (cid, final) in enumerate(FINALS.items()):
        offset = 2 if i == 1 else 0  # c001 spent two epochs finding its mask before its clock started
        rows.append(
            make_row(
                "candidate",
                candidate_id=cid,
                method="dst",
                sparsity=0.9,
                hparams={"death_rate": i},
                seed=0,
                record=_record(final, age_offset=offset),
                distances={"l2": [LS[cid]] * 3, "trajectory": [LS[cid] / 2] * 3},
            )
        )
    for cid in ("c001", "c003"):
        rows.append(
            make_row(
                "replicate",
                candidate_id=cid,
                method="dst",
                sparsity=0.9,
                hparams={},
                seed=1,
                record=_record(FINALS[cid] + replicate_shift),
            )
        )
    dense = _record(150.0)
    rows.append(
        make_row(
            "dense", candidate_id="dense", method="dense", sparsity=0.0, hparams={}, seed=0, record=dense
        )
    )
    meta = table_meta(
        spec_dict={},
        space="unit",
        sparsity=0.9,
        epochs=3,
        e0=1,
        seeds=[0, 1],
        lower_is_better=True,
        producer="test",
        dense_curve=dense["val_metric"],
    )
    path = tmp_path / "table.parquet"
    write_table(path, rows, meta)
    return path


def test_rows_and_metadata_round_trip_with_leading_exponents_only(tmp_path):
    rows, meta = read_table(_table(tmp_path))
    assert [r["role"] for r in rows] == ["candidate"] * 4 + ["replicate"] * 2 + ["dense"]
    c001 = next(r for r in rows if r["candidate_id"] == "c001" and r["role"] == "candidate")
    assert c001["epochs"] == [3, 4, 5] and c001["age"] == [1, 2, 3] and c001["cost_epochs"] == [2.0] * 3
    assert c001["final_val_metric"] == 200.0 and c001["test_metric"] == pytest.approx(220.0)
    assert all(len(s) == meta["ls_top"] == 8 for s in c001["ls_top"])
    assert meta["seeds"] == [0, 1] and meta["epochs"] == 3
    assert meta["dense"]["improvement_last_3"] is None  # 3 epochs: no 3-epoch window before the last


def test_improvement_over_the_last_three_epochs():
    assert improvement([100.0, 90.0, 89.0, 88.5, 88.2]) == pytest.approx((90.0 - 88.2) / 90.0)
    assert improvement([1.0, 2.0]) is None
    assert improvement([0.5, 0.6, 0.7, 0.8], lower_is_better=False) == pytest.approx(0.6)


def test_the_offline_analysis_is_the_calibration_analysis_of_the_same_curves(tmp_path):
    result = analyse_table(_table(tmp_path), samples=200)
    ids = sorted(FINALS)
    curves = Curves(
        ids=ids,
        epochs=3,
        val_loss=[[math.log(FINALS[c] * f) for f in (2.0, 1.5, 1.0)] for c in ids],
        final=[FINALS[c] for c in ids],
        final_loss=[math.log(FINALS[c]) for c in ids],
        metrics={
            "ls": [[LS[c]] * 3 for c in ids],
            "ls-trajectory": [[LS[c] / 2] * 3 for c in ids],
            "loss": [[math.log(FINALS[c] * f) for f in (2.0, 1.5, 1.0)] for c in ids],
        },
        pre_clock=[2 if c == "c001" else 0 for c in ids],  # its mask search is cost, not age
    )
    noise = seed_noise(FINALS, [{"c001": 205.0, "c003": 405.0}])
    expected = analyse(
        curves,
        ["ls", "ls-trajectory", "loss", "rank", "loss-extrapolation"],
        noise=noise,
        dense={"val_metric": [450.0, 300.0, 150.0]},
        tolerance=0.01,
        samples=200,
        prune_by=1,
    )
    for key in ("final", "noise", "recommendation"):
        assert result[key] == expected[key], key
    # the offline analysis bootstraps the regret of the schedules it shows, not of every one
    strip = lambda rows: [{k: v for k, v in r.items() if k != "regret_high"} for r in rows]  # noqa: E731
    assert strip(result["schedules"]) == strip(expected["schedules"])
    shown = [(r, e) for r, e in zip(result["schedules"], expected["schedules"], strict=True) if r.get("regret_high") is not None]
    same = lambda a, b: a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))  # noqa: E731
    assert shown and all(same(r["regret_high"], e["regret_high"]) for r, e in shown)
    assert {m: v["by_epoch"] for m, v in result["metrics"].items()} == {
        m: v["by_epoch"] for m, v in expected["metrics"].items()
    }
    assert result["noise"]["seed_sd"] == pytest.approx(5.0 / math.sqrt(2))
    assert result["metrics"]["loss"]["by_epoch"][0]["spearman"]["value"] == pytest.approx(1.0)
    assert result["table"]["space"] == "unit"


def test_a_metric_the_table_lacks_and_a_foreign_file_are_one_line_errors(tmp_path):
    path = _table(tmp_path)
    with pytest.raises(UserError, match="cannot be judged from this table"):
        analyse_table(path, ["nonsense"])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(UserError, match="not a readable Parquet"):
        read_table(bad)
    with pytest.raises(UserError, match="no benchmark table"):
        read_table(tmp_path / "missing.parquet")


def test_the_readme_results_are_rendered_from_table_files(tmp_path):
    from hyperprune.calibration.table_report import render_results_markdown

    path = _table(tmp_path)
    text = render_results_markdown([path, path], samples=200)
    assert text.count("#### unit") == 2
    assert "| signal | age 1 | age 2 |" in text
    assert "| validation loss | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] |" in text
    assert (
        "Verdict: at the first rung (age 1) loss predicts best" in text
        and "no signal beats the loss here" in text
    )
    assert text == render_results_markdown(
        [path, path], samples=200
    )  # deterministic: regenerated identically


def test_ranking_offline_prints_the_analysis_and_refuses_a_missing_table(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    bench = Path(__file__).resolve().parents[2] / "bench" / "ranking.py"
    spec = importlib.util.spec_from_file_location("bench_ranking", bench)
    ranking = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ranking)
    assert ranking.main(["--offline", str(_table(tmp_path)), "--metric", "loss", "--bootstrap", "200"]) == 0
    out = capsys.readouterr().out
    assert "space unit: 4 candidates" in out and "Spearman loss" in out and "Spearman ls |" not in out
    assert ranking.main(["--offline", str(tmp_path / "missing.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no benchmark table" in err
