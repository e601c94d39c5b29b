"""`hyperprune search --space structured` end to end: unit-pruned candidates, compacted winner."""

import json

import pytest
from search_helpers import search_args

from hyperprune.cli import main
from hyperprune.export import load_exported
from hyperprune.searching.pool import read_pool

pytestmark = pytest.mark.slow


def test_structured_space_ranks_unit_pruned_candidates_and_exports_a_smaller_winner(tmp_path):
    out = tmp_path / "out"
    code = main(search_args(out, tmp_path / "cache", "--space", "structured", "--hpo", "random", "--max-evals", "3",
                            "--e0", "1", "--ei", "1", "--final-epochs", "2", "--final-count", "1", "--seed", "1"))
    assert code == 0
    rows = read_pool(out)
    assert rows and all(r["hparams_dict"]["structure"] == "units" for r in rows)
    for row in rows:  # 24 of 48 hidden units kept: one exponent per kept unit
        # a spectrum at every ranked age and at the end; none while the mask is still being searched
        measured = [spectrum for spectrum in row["ls"] if spectrum]
        assert measured and all(len(spectrum) == 24 for spectrum in measured)
    export = json.loads((out / "winner" / "export.json").read_text())
    assert export["structured"] and export["parameters_exported"] < export["parameters_pruned_model"]
    assert sum(export["architecture"]["hidden_sizes"]) == 24
    model = load_exported(out / "winner" / "model.pt")
    assert sum(model.rnn.hidden_sizes) == 24
