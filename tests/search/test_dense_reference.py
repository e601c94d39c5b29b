"""The dense reference is trained once, cached by its hash, extended without retraining."""

import pytest
from search_helpers import TINY

from hyperprune.config import override, preset
from hyperprune.tune.dense_reference import ensure_reference, noise_floor, reference_key

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




def test_noise_floor_arithmetic():
    reference = {"epochs": [1, 2], "val_loss": [5.0, 4.0], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 0.0], [2.0, 0.0]]}
    noise = {"epochs": [1], "val_loss": [5.5], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 3.0]]}
    assert noise_floor(reference, noise) == {"ls_distance": [3.0, None], "val_loss_diff": [0.5, None]}
    assert noise_floor(reference, None) == {"ls_distance": [None, None], "val_loss_diff": [None, None]}
    traj = noise_floor(reference, noise, "trajectory")["ls_distance"][0]
    assert traj == pytest.approx(3.0)


def test_the_floor_of_several_draws_is_their_mean_with_their_spread():
    from hyperprune.tune.noise_estimate import describe, floor_estimate

    reference = {"epochs": [1, 2], "val_loss": [5.0, 4.0], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 0.0], [2.0, 0.0]]}
    near = {"epochs": [1, 2], "val_loss": [5.5, 4.0], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 1.0], [2.0, 0.0]]}
    far = {"epochs": [1], "val_loss": [4.0], "ls_epoch0": [0.0, 0.0], "ls": [[1.0, 3.0]]}
    floor = floor_estimate(reference, [near, far])
    assert floor["seeds"] == 2
    assert floor["ls_distance"] == [2.0, None]  # epoch 2: the second draw never got there
    assert floor["ls_distance_sd"][0] == pytest.approx(2 ** 0.5) and floor["ls_distance_sd"][1] is None
    assert floor["ls_distance_per_seed"] == [[1.0, 0.0], [3.0, None]]
    assert floor["val_loss_diff"][0] == pytest.approx(0.75)
    assert floor_estimate(reference, [near])["ls_distance_sd"] == [None, None]  # one draw: no spread
    assert describe((2.0, 2 ** 0.5, 2), 6) == "2 ± 1.4 (sd, 2 of 6 seeds)"
    assert describe((2.0, None, 1), 1) == "2"


def test_noise_draws_share_the_reservations_the_reference_leaves():
    from hyperprune.tune.dense_reference import _reservation_groups, noise_chains

    assert noise_chains(2, 2) == [[0, 1]]  # two slots: the reference's and one chain
    assert noise_chains(2, 1) == [[0, 1]]
    assert noise_chains(3, 4) == [[0], [1], [2]]
    assert noise_chains(6, 3) == [[0, 2, 4], [1, 3, 5]]
    assert noise_chains(0, 4) == []
    names = ["reference", "noise floor", "noise floor 2", "noise floor 3"]
    assert _reservation_groups(names, 2) == [["reference"], ["noise floor", "noise floor 2", "noise floor 3"]]
    assert _reservation_groups(names[1:], 3) == [["noise floor", "noise floor 3"], ["noise floor 2"]]
    assert _reservation_groups(names, None) == [[name] for name in names]


def test_draws_trained_in_turn_in_one_reservation_equal_draws_trained_apart(local_ray, tmp_path):
    from hyperprune.tune.dense_reference import start_reference

    spec = _spec()
    args = {"seed": 5, "with_ls": True, "resources": {"cpu": 1}, "log": lambda line: None, "epochs": 2,
            "noise_epochs": 1, "noise_seeds": 2}
    chained = start_reference(spec, cache_dir=tmp_path / "a", workers=2, **args)
    shared = {id(r) for name, r in chained.reservations.items() if name != "reference"}
    assert len(chained.reservations) == 3 and len(shared) == 1  # both draws in one reserved worker
    assert chained.reservations["reference"] is not chained.reservations["noise floor"]
    together = chained.result()
    assert chained.reservations == {} and chained.pending == {}  # every reservation given back
    apart = start_reference(spec, cache_dir=tmp_path / "b", workers=None, **args).result()
    assert together.record["val_loss"] == apart.record["val_loss"]
    assert [n["val_loss"] for n in together.noises] == [n["val_loss"] for n in apart.noises]
    assert [n["ls"] for n in together.noises] == [n["ls"] for n in apart.noises]
    assert together.noises[0]["val_loss"] != together.noises[1]["val_loss"]  # two different draws
