"""A saved pool continues only under the master seed it was trained with, unless asked otherwise."""

from pathlib import Path

import pytest
from search_helpers import TINY, search_args

from hyperprune.cli import main
from hyperprune.config import override, preset
from hyperprune.errors import UserError
from hyperprune.searching.pool import empty_row, write_pool
from hyperprune.searching.saved_pool import saved_pool_candidates
from hyperprune.training.run import TrainingRun


@pytest.fixture(scope="module")
def pool_of_seed_3(tmp_path_factory) -> Path:
    """A one-candidate pool saved at epoch 1 by a run of master seed 3."""
    folder = tmp_path_factory.mktemp("pool")
    spec = override(preset("tiny"), {**dict(s.split("=") for s in TINY), "train.epochs": 2, "train.seed": 3})
    run = TrainingRun(spec, method="dst", sparsity=0.5, seed=3, total_epochs=2)
    run.train_epoch()
    checkpoint = folder / "pool" / "c000" / "run.pt"
    checkpoint.parent.mkdir(parents=True)
    run.save(checkpoint)
    row = empty_row("c000", "t0")
    row.update(
        method="dst", sparsity=0.5, seed=3, epochs=[1], status="eliminated", pool_checkpoint=str(checkpoint)
    )
    write_pool(folder / "pool.parquet", [row])
    return folder


def test_a_pool_of_another_seed_is_refused_in_one_line(pool_of_seed_3, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        search_args(
            out, tmp_path / "cache", "--initial-pool", str(pool_of_seed_3), "--e0", "1", "--seed", "5"
        )
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "trained with seed 3, not --seed 5" in err[0]
    assert "--initial-pool-any-seed" in err[0] and "--seed 3" in err[0]
    assert not out.exists() or not any(out.iterdir())  # nothing created


def test_the_pool_seed_is_checked_only_when_asked(pool_of_seed_3):
    with pytest.raises(UserError, match="trained with seed 3"):
        saved_pool_candidates(str(pool_of_seed_3), 1, seed=5)
    same = saved_pool_candidates(str(pool_of_seed_3), 1, seed=3)
    anyway = saved_pool_candidates(str(pool_of_seed_3), 1, seed=None)
    assert same == anyway and [c["seed"] for c in anyway] == [3]  # each candidate keeps its own seed


def test_the_override_flag_reaches_the_search(pool_of_seed_3, tmp_path):
    from hyperprune.searching.options import SearchOptions
    from hyperprune.tune.driver import Search

    opts = SearchOptions(
        out=str(tmp_path / "out"),
        initial_pool=str(pool_of_seed_3),
        e0=1,
        seed=5,
        settings=tuple(TINY),
        initial_pool_any_seed=True,
        quiet=True,
    )
    search = Search.prepare(opts)  # no error: asked explicitly
    assert [c["seed"] for c in search._fixed_candidates()] == [3]
    with pytest.raises(UserError, match="not --seed 5"):
        Search.prepare(
            SearchOptions(**{**opts.__dict__, "out": str(tmp_path / "other"), "initial_pool_any_seed": False})
        )
