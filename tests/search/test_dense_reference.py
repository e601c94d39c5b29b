"""The dense reference is trained once, cached by its hash, extended without retraining."""

import pytest
from search_helpers import TINY

from hyperprune.config import override, preset
from hyperprune.search.dense import ensure_reference, reference_key

pytestmark = pytest.mark.slow


def _spec(**extra):
    return override(preset("tiny"), {**dict(s.split("=") for s in TINY), **extra})


def test_cached_extended_and_equal_to_a_fresh_run(local_ray, tmp_path):
    spec = _spec()
    said = []
    args = {"seed": 5, "with_ls": True, "resources": {"cpu": 1}, "log": said.append}
    first = ensure_reference(spec, epochs=1, cache_dir=tmp_path / "a", **args)
    again = ensure_reference(spec, epochs=1, cache_dir=tmp_path / "a", **args)
    extended = ensure_reference(spec, epochs=2, cache_dir=tmp_path / "a", **args)
    assert [s.split(": ")[1].split(" (")[0] for s in said] == ["training epochs 1-1", "cached", "training epochs 2-2"]
    assert again.record == first.record
    fresh = ensure_reference(spec, epochs=2, cache_dir=tmp_path / "b", **args)
    # continuing the cached run gives exactly what training two epochs at once gives
    assert extended.record["val_loss"] == fresh.record["val_loss"]
    assert extended.record["ls"] == fresh.record["ls"]
    assert len(fresh.record["ls"][0]) == 2 * 24 and fresh.epochs == 2


def test_key_ignores_the_budget_but_not_the_model_or_seed():
    base = _spec()
    assert reference_key(base, 0) == reference_key(override(base, {"train.epochs": 50}), 0)
    assert reference_key(base, 0) != reference_key(base, 1)
    assert reference_key(base, 0) != reference_key(override(base, {"model.hidden_size": 32}), 0)
