"""A run measures its spectrum only at the epochs it is asked for, and times every phase
of an epoch outside its (reproducible) history."""

from hyperprune.lyapunov import LSProbe
from hyperprune.training.run import TrainingRun


def test_spectrum_only_at_the_chosen_epochs_and_phases_are_timed(tiny_lm):
    run = TrainingRun(tiny_lm, method="random", sparsity=0.5, total_epochs=3)
    phases = []
    run.on_phase = phases.append
    run.ls_epochs = {2}
    run.attach_probe(LSProbe.for_run(run, seed=0))
    history = [run.train_epoch() for _ in range(3)]
    assert [len(m["ls"]) > 0 for m in history] == [False, True, False]
    assert len(run.spectra()[2]) == 2 * 16 and run.spectra()[1] == [] and run.spectra()[3] == []
    assert set(run.timing) == {"train_s", "method_s", "eval_s", "ls_s"}
    assert run.timing["train_s"] > 0 and run.timing["ls_s"] < run.timing["train_s"]
    assert not any(key.endswith("_s") for key in history[0])  # timings never enter the history
    assert phases[:3] == ["training epoch 1", "random: end-of-epoch update, epoch 1", "validation, epoch 1"]
    assert "validation and Lyapunov spectrum, epoch 2" in phases


def test_the_epoch0_spectrum_taken_before_the_first_epoch_equals_the_one_taken_at_attach(tiny_lm, tmp_path):
    eager = TrainingRun(tiny_lm, method="random", sparsity=0.5, total_epochs=2)
    eager.attach_probe(LSProbe.for_run(eager, seed=0))
    eager_first = eager.train_epoch()
    later = TrainingRun(tiny_lm, method="random", sparsity=0.5, total_epochs=2)
    later.attach_probe(LSProbe.for_run(later, seed=0), measure_now=False)
    assert later.ls_epoch0 == []  # not measured yet
    later.measure_epoch0()
    assert later.spectra()[0] == eager.spectra()[0] and len(later.ls_epoch0) == 2 * 16
    assert later.train_epoch() == eager_first  # the run's own random stream is unchanged
    # a run that loads a checkpoint takes the saved spectrum and never measures one
    later.save(tmp_path / "run.pt")
    resumed = TrainingRun(tiny_lm, method="random", sparsity=0.5, total_epochs=2)
    resumed.attach_probe(LSProbe.for_run(resumed, seed=0), measure_now=False)
    from hyperprune.training.checkpoint import load_safe

    resumed.load_state_dict(load_safe(tmp_path / "run.pt"))
    resumed.measure_epoch0()  # a run past epoch 0: nothing to measure
    assert resumed.ls_epoch0 == eager.ls_epoch0
