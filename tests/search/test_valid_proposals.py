"""Constraints between hyperparameters: declared once, never broken by any searcher's proposal."""


import pytest

from hyperprune.errors import UserError
from hyperprune.pruning.core.constraints import Constraint
from hyperprune.pruning.registry import METHODS
from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.space import builtin_spaces, load_space, parse_space

PROPOSALS = 2000


def test_constraint_repair_moves_the_left_side_down_first():
    c = Constraint("p", "<", "q")
    grid = [round(0.1 * i, 1) for i in range(1, 11)]
    assert c.repair({"p": 1.0, "q": 1.0}, {"p": grid, "q": [1.0, 1.5]}) == {"p": 0.9, "q": 1.0}
    assert c.repair({"p": 1.0, "q": 1.0}, {"p": None, "q": [1.0, 1.5]}) == {"p": 1.0, "q": 1.5}
    assert c.repair({"p": 1.0, "q": 1.0}, {"p": None, "q": None}) is None
    assert c.repair({"p": 0.2, "q": 1.0}, {}) == {"p": 0.2, "q": 1.0}


def test_a_method_refuses_a_configuration_that_breaks_its_constraint():
    with pytest.raises(UserError, match="p=1.0 and q=1.0 break the constraint p < q"):
        METHODS.get("incop")(0.5, {"p": 1.0, "q": 1.0})


def test_a_space_whose_ranges_can_never_meet_a_constraint_is_refused():
    with pytest.raises(UserError, match="incop needs p < q"):
        parse_space({"methods": {"incop": {"p": 1.0, "q": 1.0}}})


@pytest.mark.parametrize("space_name", builtin_spaces())
@pytest.mark.parametrize("hpo", ["random", "tpe", "atpe", "optuna"])
def test_no_searcher_proposes_an_invalid_configuration(space_name, hpo):
    space = load_space(space_name)
    backend = SEARCHERS.get(hpo)(space, seed=1, startup=PROPOSALS)
    for _ in range(PROPOSALS):
        _, proposal = backend.ask()
        method = METHODS.get(proposal["method"])
        method(0.67, proposal["hparams"])  # raises on any invalid value or broken constraint


@pytest.mark.parametrize("hpo", ["tpe", "optuna"])
def test_model_based_proposals_are_valid_too(hpo):
    space = load_space("all-methods")
    backend = SEARCHERS.get(hpo)(space, seed=2, startup=10)
    for i in range(60):
        token, proposal = backend.ask()
        METHODS.get(proposal["method"])(0.67, proposal["hparams"])
        backend.tell(token, float(i % 7))
