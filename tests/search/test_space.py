"""Search spaces: built-in files parse, ranges come from the method declarations, errors are one line."""

import pytest

from hyperprune.errors import UserError
from hyperprune.pruning.registry import METHODS
from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.setting_space import split_settings
from hyperprune.searching.space import builtin_spaces, load_space, parse_space


def test_builtin_spaces_load_and_reference_matches_the_reference_system():
    assert {"reference", "dst-wide", "all-methods"} <= set(builtin_spaces())
    ref = load_space("reference")
    (dst,) = ref.methods
    assert dst.method == "dst"
    assert dst.params["death"].choices == ("magnitude", "SET", "threshold", "global_magnitude")
    assert dst.params["sparse_init"].choices == ("uniform", "ER")
    assert dst.params["redistribution"].choices == ("magnitude", "nonzeros", "none")
    assert (dst.params["death_rate"].low, dst.params["death_rate"].high, dst.params["death_rate"].step) == (0.4, 0.9, 0.1)
    assert ref.size() == 2 * 1 * 4 * 3 * 6  # 144 distinct candidates


def test_auto_expands_every_declared_hyperparameter():
    space = load_space("all-methods")
    assert sorted(space.method_names) == sorted(n for n in METHODS.names() if n != "dense")
    for m in space.methods:
        declared = {h.name for h in METHODS.get(m.method).HPARAMS}
        assert set(m.params) == declared
    sa = next(m for m in space.methods if m.method == "sa")
    assert sa.params["structure"].kind == "fixed" and sa.params["structure"].value == "unstructured"


@pytest.mark.parametrize("name", ["random", "tpe", "optuna"])
def test_every_searcher_proposes_valid_candidates_of_the_conditional_space(name):
    space = load_space("all-methods")
    backend = SEARCHERS.get(name)(space, seed=0, startup=3)
    for _ in range(6):
        token, proposal = backend.ask()
        cls = METHODS.get(proposal["method"])
        cls(0.5, proposal["hparams"])  # validates every value against the declaration
        backend.tell(token, 1.0)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"methods": {"nosuch": "auto"}}, "unknown method 'nosuch'"),
        ({"methods": {"dst": {"nosuch": [1]}}}, "no hyperparameter 'nosuch'"),
        ({"methods": {"dst": {"death_rate": {"low": 0.6, "high": 0.4}}}}, "empty range"),
        ({"methods": {"dst": {"death": []}}}, "empty list"),
        ({"methods": {"dst": {"death": ["bogus"]}}}, "not one of"),
        ({"methods": {"dst": "auto"}, "bogus": 1}, "unknown key 'bogus'"),
        ({"methods": {}}, "at least one method"),
        ({"methods": {"dst": "auto"}, "sparsity": 1.5}, "strictly between 0 and 1"),
        ({"methods": {"dst": "auto"}, "train": {"epochs": [1, 2]}}, "train.epochs cannot be searched"),
        ({"methods": {"dst": "auto"}, "train": {"lr": {"low": 0, "high": 10}}}, "train.lr"),
        ({"methods": {"dst": "auto"}, "train": []}, "'train' must map settings"),
    ],
)
def test_invalid_spaces_name_the_problem(doc, message):
    with pytest.raises(UserError, match=message):
        parse_space(doc, "test.yaml")


def test_invalid_yaml_file_is_one_line(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("methods: [unclosed\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_space(str(path))


@pytest.mark.parametrize("name", ["random", "tpe", "optuna"])
def test_training_settings_are_searched_beside_the_hyperparameters(name):
    space = parse_space({"train": {"lr": {"low": 10, "high": 1e6, "log": True}, "clip": [0.0, 0.25]},
                         "methods": {"dst": {"sparse_init": ["ER"]}, "random": "auto"}}, "test.yaml")
    backend = SEARCHERS.get(name)(space, seed=0, startup=3)
    for _ in range(4):
        token, proposal = backend.ask()
        hparams, settings = split_settings(proposal["hparams"])
        assert set(settings) == {"train.lr", "train.clip"}
        assert 10 <= settings["train.lr"] <= 1e6 and settings["train.clip"] in (0.0, 0.25)
        METHODS.get(proposal["method"])(0.5, hparams)  # what is left are the method's own
        backend.tell(token, 1.0)
