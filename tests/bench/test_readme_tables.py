"""The README's generated tables equal what the stored bench outputs render (no figure typed by hand)."""

import json
import shutil
from pathlib import Path

import pytest

from hyperprune.errors import UserError
from hyperprune.figures.__main__ import main
from hyperprune.figures.readme import rewrite, sections, stale_sections

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def test_readme_tables_equal_their_renderings():
    stale = stale_sections(ROOT / "README.md", RESULTS)
    assert not stale, f"regenerate with `python -m hyperprune.figures`: {', '.join(stale)}"


def test_stored_outputs_say_where_they_ran():
    for path in RESULTS.glob("*.json"):
        record = json.loads(path.read_text())
        assert record["smoke"] is False, path
        assert {"cpu", "cores", "torch_threads", "date"} <= set(record["machine"]), path
        assert record["command"].startswith("python bench/"), path


@pytest.fixture
def checkout(tmp_path):
    """A copy of the README and the stored outputs."""
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(RESULTS, tmp_path / "bench" / "results")
    return tmp_path


def test_a_hand_edited_figure_is_found_and_rewritten(checkout, capsys):
    readme = checkout / "README.md"
    text = readme.read_text()
    body = sections(text)["search_cost"]
    readme.write_text(text.replace(body, body.replace("| 326 |", "| 327 |")))
    assert main(["--root", str(checkout), "--check"]) == 1
    assert "table search_cost differs" in capsys.readouterr().out
    assert rewrite(readme, checkout / "bench" / "results") == ["search_cost"]
    assert readme.read_text() == text
    assert main(["--root", str(checkout), "--check"]) == 0


def test_unpaired_or_unknown_markers_are_one_line_errors(checkout, capsys):
    readme = checkout / "README.md"
    text = readme.read_text()
    readme.write_text(text.replace("<!-- table:search_cost:end -->", "", 1))
    assert main(["--root", str(checkout), "--check"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    readme.write_text(text + "\n<!-- table:nobody:start -->\n<!-- table:nobody:end -->\n")
    with pytest.raises(UserError, match="nobody"):
        stale_sections(readme, checkout / "bench" / "results")
