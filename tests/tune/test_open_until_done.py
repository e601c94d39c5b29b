"""The seeder stays open while its trials live, so Tune keeps paused candidates' actors."""

from ray.tune.search import Searcher

from hyperprune.searching.searchers import SEARCHERS
from hyperprune.searching.space import load_space
from hyperprune.tune.open_until_done import OpenUntilDone
from hyperprune.tune.seeder import PoolSeeder


def _wrapped(max_evals=3):
    backend = SEARCHERS.get("random")(load_space("reference"), seed=0)
    seeder = PoolSeeder(backend, max_evals=max_evals, concurrency=8, e0=1, sparsity=0.67, seed=0,
                        metric_key="val_loss")
    return OpenUntilDone(seeder), seeder


def test_finished_only_after_every_launched_trial_completed(tmp_path):
    wrapped, seeder = _wrapped()
    launched = [wrapped.suggest(f"t{i}") for i in range(3)]
    assert all(isinstance(c, dict) for c in launched) and wrapped.proposals_made()
    assert seeder.suggest("t9") == Searcher.FINISHED  # the seeder itself is done proposing
    assert wrapped.suggest("t3") is None  # but three trials still live
    wrapped.on_trial_result("t0", {"epoch": 1, "val_loss": 5.0})
    wrapped.on_trial_complete("t0")
    wrapped.on_trial_complete("t1")
    assert wrapped.suggest("t4") is None
    assert seeder.by_key[seeder.trial_key["t0"]]["score"] == 5.0  # results reach the seeder
    wrapped.on_trial_complete("t2", error=True)
    assert wrapped.suggest("t5") == Searcher.FINISHED


def test_saved_and_restored_like_tune_does(tmp_path):
    """Tune saves a wrapper's own state and the wrapped seeder's file; a restore forgets live trials."""
    from ray.tune.search import SearchGenerator

    wrapped, seeder = _wrapped()
    generator = SearchGenerator(wrapped)
    [wrapped.suggest(f"t{i}") for i in range(3)]
    generator.save_to_dir(str(tmp_path), session_str="s")
    restored, restored_seeder = _wrapped()
    SearchGenerator(restored).restore_from_dir(str(tmp_path))
    assert restored_seeder.asked == seeder.asked == 3
    assert restored.suggest("t3") == Searcher.FINISHED
