"""``hyperprune methods``: JSON listing, table, filtering and unknown names."""

import json

from hyperprune.cli import main
from hyperprune.pruning.registry import METHODS


def test_methods_json_lists_every_method_with_hparams(capsys):
    assert main(["methods", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in entries] == METHODS.names()
    by_name = {e["name"]: e for e in entries}
    dst = by_name["dst"]
    assert dst["task_kinds"] == ["classifier", "lm"]
    hparams = {h["name"]: h for h in dst["hparams"]}
    assert list(hparams) == ["sparse_init", "death", "growth", "redistribution", "death_rate", "death_rate_min",
                             "update_frequency", "gatewise", "momentum", "threshold"]
    assert hparams["sparse_init"]["choices"] == ["uniform", "ER", "ERK"]
    assert hparams["sparse_init"]["default"] == "ER"
    assert hparams["death_rate"]["type"] == "float"
    assert (hparams["death_rate"]["low"], hparams["death_rate"]["high"], hparams["death_rate"]["step"]) == (0.1, 0.9, 0.1)
    assert hparams["gatewise"]["default"] is False
    assert by_name["dense"]["hparams"] == []
    assert all(e["summary"] for e in entries)


def test_methods_table_and_filter(capsys):
    assert main(["methods", "dst"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "dst  (classifier, lm)"
    assert "death_rate" in out and "[0.1, 0.9] step 0.1" in out
    assert "{magnitude, SET, threshold, global_magnitude}" in out
    assert "dense" not in out


def test_unknown_method_is_a_one_line_error(capsys):
    assert main(["methods", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown pruning method 'nope'" in err and "dst" in err
