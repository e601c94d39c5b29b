"""The report shows the noise floor: in the bracket table, the summary text and the figure's band."""

import json

from hyperprune.report import write_report
from hyperprune.report.bracket import bracket_rounds, bracket_table
from hyperprune.report.data import load_search
from hyperprune.report.tables import summary_lines


def _with_floor(path, floor):
    dense_file = path / "dense_reference.json"
    data = json.loads(dense_file.read_text())
    data["noise_floor"] = {"ls_distance": floor, "val_loss_diff": [0.01] * len(floor)}
    dense_file.write_text(json.dumps(data))
    return path


def test_noise_floor_reaches_table_text_and_page(make_search):
    path = _with_floor(make_search(pool_size=8, final_count=2), [0.5, 0.4, 0.3, None, None])
    data = load_search(path)
    assert data.floor_by_epoch() == {1: 0.5, 2: 0.4, 3: 0.3}
    rounds = bracket_rounds(data)
    assert [r["noise_floor"] for r in rounds] == [data.floor_by_epoch().get(r["epoch"]) for r in rounds]
    assert "noise floor" in bracket_table(data)["header"]
    assert any(line.startswith("Noise floor of the LS distance") for line in summary_lines(data))
    page = write_report(path).read_text()
    assert "noise floor" in page and "best + noise floor" in page


def test_a_search_without_a_floor_says_nothing_of_it(make_search):
    data = load_search(make_search(pool_size=8, final_count=2))
    assert data.floor_by_epoch() == {}
    assert not any("Noise floor" in line for line in summary_lines(data))
