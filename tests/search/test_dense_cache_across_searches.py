"""Searches of different lengths share one dense-reference cache: a longer search extends the
cached run (continuing it, not retraining), a shorter one reuses the first epochs of it."""

import json

import pytest
from search_helpers import search_args

from hyperprune.cli import main

pytestmark = pytest.mark.slow


def _search(root, name, final_epochs):
    out = root / name
    args = search_args(out, root / "cache", "--hpo", "random", "--max-evals", "2", "--final-count", "1",
                       "--e0", "1", "--ei", "1", "--final-epochs", str(final_epochs), "--seed", "4",
                       "--metric", "loss")
    assert main(args) == 0
    return json.loads((out / "dense_reference.json").read_text()), json.loads((out / "result.json").read_text())


def test_short_then_longer_then_shorter_search_on_one_cache(local_ray, tmp_path):
    short_ref, short = _search(tmp_path, "short", 2)
    long_ref, long = _search(tmp_path, "long", 3)
    again_ref, again = _search(tmp_path, "again", 2)

    folders = list((tmp_path / "cache").glob("dense-*"))
    assert len(folders) == 1, "one cached dense run for all three searches"
    cached = json.loads((folders[0] / "reference.json").read_text())
    assert cached["epochs"] == [1, 2, 3]

    assert long_ref["record"]["epochs"] == [1, 2, 3]
    # extending continued the cached run: its first epochs are the short search's, unchanged
    assert long_ref["record"]["val_loss"][:2] == short_ref["record"]["val_loss"]
    assert long_ref["record"]["ls"][:2] == short_ref["record"]["ls"]
    # the shorter search sees exactly the two-epoch reference again, and picks the same winner
    assert again_ref["record"]["epochs"] == [1, 2]
    assert again_ref["record"]["val_loss"] == short_ref["record"]["val_loss"]
    assert again["dense_reference"] == short["dense_reference"]
    assert again["winner"]["candidate_id"] == short["winner"]["candidate_id"]
    assert again["winner"]["val_loss"] == short["winner"]["val_loss"]
    assert long["status"] == short["status"] == again["status"] == "finished"
