"""--sparsity and a space's sparsity: one level or several; the dense reference's key leaves them out."""

import subprocess
import sys

import pytest

from hyperprune.errors import UserError
from hyperprune.run_options import build_spec
from hyperprune.searching.levels import parse_levels
from hyperprune.searching.options import SearchOptions
from hyperprune.searching.space import parse_space
from hyperprune.tune.dense_reference import reference_key

METHODS = {"dst": {"death_rate": {"low": 0.4, "high": 0.9, "step": 0.1}}}


@pytest.mark.parametrize(
    "value, levels",
    [
        ("0.9,0.5,0.67", (0.5, 0.67, 0.9)),
        ("0.8", (0.8,)),
        (0.8, (0.8,)),
        ([0.5, 0.5, 0.8], (0.5, 0.8)),
        ({"low": 0.5, "high": 0.9, "count": 5}, (0.5, 0.6, 0.7, 0.8, 0.9)),
    ],
)
def test_levels_are_read_sorted_and_distinct(value, levels):
    assert parse_levels(value) == pytest.approx(levels)


@pytest.mark.parametrize(
    "value",
    ["0.5,1.0", "0.5,,0.8", "a,b", [], {"low": 0.5, "high": 0.4, "count": 2}, {"low": 0.5, "count": 2}],
)
def test_bad_levels_are_one_clear_error(value):
    with pytest.raises(UserError):
        parse_levels(value)


def test_a_space_file_takes_a_list_or_a_range():
    assert parse_space({"sparsity": [0.8, 0.5], "methods": METHODS}).sparsity == (0.5, 0.8)
    assert parse_space({"sparsity": {"low": 0.5, "high": 0.8, "count": 2}, "methods": METHODS}).sparsity == (
        0.5,
        0.8,
    )
    assert parse_space({"sparsity": 0.67, "methods": METHODS}).sparsity == 0.67


def test_the_dense_reference_key_leaves_the_sparsity_out():
    keys = {
        reference_key(build_spec(SearchOptions(preset="tiny", sparsity=s)), 0)
        for s in (0.5, "0.5,0.8", (0.67, 0.9))
    }
    assert len(keys) == 1


def test_the_command_line_refuses_a_bad_level(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "hyperprune", "search", "--sparsity", "0.5,1.5", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "1.5" in done.stderr
    assert not out.exists()
