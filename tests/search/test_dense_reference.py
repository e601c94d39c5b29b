"""The dense reference is trained once, cached by its hash, extended without retraining."""

import pytest
from search_helpers import TINY

from hyperprune.config import override, preset
from hyperprune.tune.dense_reference import ensure_reference, noise_floor, reference_key, start_reference

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


def test_noise_floor_is_cached_beside_the_reference_and_differs_in_its_start(local_ray, tmp_path):
    spec = _spec()
    said = []
    args = {"seed": 5, "with_ls": True, "resources": {"cpu": 1}, "log": said.append, "cache_dir": tmp_path}
    ref = ensure_reference(spec, epochs=2, noise_epochs=1, **args)
    again = ensure_reference(spec, epochs=2, noise_epochs=1, **args)
    assert again.noise == ref.noise and ref.noise_epochs == 1 and ref.epochs == 2
    assert any("noise floor" in s and "training epochs 1-1" in s for s in said)
    assert any("noise floor" in s and "cached" in s for s in said[2:])
    floor = noise_floor(ref.record, ref.noise)
    assert floor["ls_distance"][1] is None and floor["val_loss_diff"][1] is None  # trained to epoch 1 only
    assert floor["ls_distance"][0] > 0 and floor["val_loss_diff"][0] >= 0
    assert ref.noise["ls_epoch0"] != ref.record["ls_epoch0"]  # another initialisation, same probe


def test_reference_and_noise_floor_take_one_worker_in_turn(local_ray, tmp_path):
    import ray

    args = {"seed": 6, "with_ls": True, "resources": {"cpu": 1}, "log": lambda _: None, "cache_dir": tmp_path}
    training = start_reference(_spec(), epochs=2, noise_epochs=1, **args)
    # the reference to the last rung, the noise floor, then the reference's last epoch
    assert training.worker is not None and list(training.pending.values()) == ["reference", "noise floor", "reference"]
    ref = training.result()
    assert ref.epochs == 2 and ref.noise_epochs == 1 and ref.record["test_epoch"] == 2
    assert training.worker is None  # handed back once both were stored
    # trained in two parts, the reference equals one trained at once
    at_once = ensure_reference(_spec(), epochs=2, **{**args, "cache_dir": tmp_path / "at-once"})
    assert ref.record["val_loss"] == at_once.record["val_loss"] and ref.record["ls"] == at_once.record["ls"]
    # both in the cache: the same again starts nothing
    assert start_reference(_spec(), epochs=2, noise_epochs=1, **args).worker is None
    ray.get(ray.remote(lambda: None).options(num_cpus=2).remote(), timeout=60)  # both CPUs free again


def test_noise_floor_arithmetic():
    reference = {"epochs": [1, 2], "val_loss": [5.0, 4.0], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 0.0], [2.0, 0.0]]}
    noise = {"epochs": [1], "val_loss": [5.5], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 3.0]]}
    assert noise_floor(reference, noise) == {"ls_distance": [3.0, None], "val_loss_diff": [0.5, None]}
    assert noise_floor(reference, None) == {"ls_distance": [None, None], "val_loss_diff": [None, None]}
    traj = noise_floor(reference, noise, "trajectory")["ls_distance"][0]
    assert traj == pytest.approx(3.0)
