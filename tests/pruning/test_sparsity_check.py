"""One sparsity check: the same range and message for a flag, a search space and a method."""

import pytest

from hyperprune.cli import main
from hyperprune.errors import UserError
from hyperprune.pruning import build_method, check_sparsity, kept_count
from hyperprune.searching.space import parse_space

MESSAGE = "must be strictly between 0 and 1, got {!r}; give the fraction of the weights to prune, for example 0.67"


@pytest.mark.parametrize("value", [0.0, 1.0, -0.5, 1.5, float("nan"), float("inf"), "0.5", None, True])
def test_everything_outside_the_open_interval_is_refused_with_one_line(value):
    with pytest.raises(UserError) as caught:
        check_sparsity(value, "--sparsity")
    assert str(caught.value) == "--sparsity " + MESSAGE.format(value)
    assert isinstance(caught.value, ValueError)  # what numeric helpers raise on a bad argument


def test_targets_pass_and_zero_only_where_it_means_prune_nothing():
    assert check_sparsity(0.67) == 0.67 and check_sparsity(1e-9) == 1e-9 and isinstance(check_sparsity(0.5), float)
    assert check_sparsity(0, allow_zero=True) == 0.0
    with pytest.raises(UserError):
        check_sparsity(1.0, allow_zero=True)


def test_every_caller_names_its_own_input():
    with pytest.raises(UserError, match="^search space s.yaml: sparsity " + r"must be strictly between 0 and 1, got 1\.5"):
        parse_space({"methods": {"dst": "auto"}, "sparsity": 1.5}, "s.yaml")
    with pytest.raises(UserError, match=r"^snip: sparsity must be strictly between 0 and 1, got 1\.0"):
        build_method("snip", 1.0)
    assert build_method("snip", 0.0).sparsity == 0.0  # a method run that prunes nothing
    assert build_method("dense", 0.0).sparsity == 0.0


def test_train_refuses_a_full_sparsity_in_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--method", "random", "--sparsity", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--sparsity " + MESSAGE.format(1.0) in err and err.count("\n") == 1
    assert not out.exists()


def test_kept_count_rounds_to_nearest_with_a_floor():
    assert kept_count(10, 0.75) == 2  # round(2.5) = 2
    assert kept_count(10, 0.99) == 1 and kept_count(10, 0.99, minimum=0) == 0
    assert kept_count(10, 0.0) == 10 and kept_count(0, 0.5) == 0
    assert kept_count(8600, 0.7) == 2580
    with pytest.raises(ValueError):
        kept_count(10, 1.0)
