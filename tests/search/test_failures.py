"""One line per failed attempt, and when a whole first wave failing alike stops the search."""

from types import SimpleNamespace

from hyperprune.tune.failures import FailureWatch, hint_for, last_failure_text, one_line

TASK_ERROR = """ray::ResourceTrainable.train() (pid=4242, ip=10.0.0.5, actor_id=abc, repr=cand-c001)
  File "/site-packages/ray/tune/trainable/trainable.py", line 331, in train
    raise skipped from exception_cause(skipped)
  File "/repo/trainables/candidate.py", line 90, in step
    metrics = self.run.train_epoch()
ValueError: expected non-negative integer"""

ACTOR_DIED = """The actor died unexpectedly before finishing this task.
\tclass_name: with_resources.<locals>.ResourceTrainable
\tactor_id: afe9b35afeef615f2824aed501000000
\tnamespace: 4ae2419e
The actor is dead because all references to the actor were removed including lineage ref count.
The actor never ran - it was cancelled before it started running."""


def test_one_line_names_the_exception_or_the_ray_message():
    assert one_line(TASK_ERROR) == "ValueError: expected non-negative integer"
    line = one_line(ACTOR_DIED)
    assert line.startswith("The actor died unexpectedly") and line.endswith("cancelled before it started running.")
    assert "actor_id" not in line
    assert "RAY_AUTH_MODE" in hint_for(ACTOR_DIED) and hint_for(TASK_ERROR) is None


def test_last_failure_of_the_error_file(tmp_path):
    path = tmp_path / "error.txt"
    path.write_text(f"Failure # 1 (occurred at 2026-11-30_04-00-00)\n{ACTOR_DIED}\n"
                    f"Failure # 2 (occurred at 2026-11-30_04-00-05)\n{TASK_ERROR}\n")
    assert last_failure_text(path) == TASK_ERROR
    assert last_failure_text(tmp_path / "missing.txt") == "" and last_failure_text(None) == ""


def _trial(tmp_path, name, text):
    path = tmp_path / f"{name}.txt"
    path.write_text(f"Failure # 1 (occurred at now)\n{text}\n")
    return SimpleNamespace(trial_id=name, config={"candidate_id": name}, error_file=str(path))


def test_the_first_wave_failing_alike_stops_the_search(tmp_path, capsys):
    watch = FailureWatch(wave=2, pool_size=6)
    stopper = watch.stopper()
    watch.on_trial_recover(0, [], _trial(tmp_path, "c000", ACTOR_DIED))
    assert not stopper.stop_all()
    watch.on_trial_recover(0, [], _trial(tmp_path, "c001", ACTOR_DIED))
    assert stopper.stop_all() and "cancelled before it started running" in watch.stopped
    assert watch.first["candidate_id"] == "c000" and watch.first["attempt"] == 1
    out = capsys.readouterr().out
    assert "c000 attempt 1 failed: The actor died unexpectedly" in out and "retrying" in out


def test_different_errors_or_a_reporting_candidate_do_not_stop_it(tmp_path):
    watch = FailureWatch(wave=2, pool_size=6, quiet=True)
    watch.on_trial_recover(0, [], _trial(tmp_path, "c000", ACTOR_DIED))
    watch.on_trial_error(0, [], _trial(tmp_path, "c001", TASK_ERROR))
    assert watch.stopped is None
    other = FailureWatch(wave=2, pool_size=6, quiet=True)
    other.on_trial_result(0, [], SimpleNamespace(trial_id="c002"), {})
    other.on_trial_recover(0, [], _trial(tmp_path, "c000", ACTOR_DIED))
    other.on_trial_recover(0, [], _trial(tmp_path, "c001", ACTOR_DIED))
    assert other.stopped is None  # some candidate trained: the error is not everywhere


def test_status_and_exit_status_of_a_search():
    from hyperprune.searching.outcome import closing_line, exit_status, outcome

    diverged = [{"candidate_id": "c000", "status": "diverged"}, {"candidate_id": "c001", "status": "diverged"}]
    result = {**outcome(diverged, None, None, None), "pool_size": 2}
    assert result["status"] == "diverged" and exit_status(result) == 0
    assert closing_line(result).startswith("no winner: every candidate diverged (2 of 2)")

    errored = [{"candidate_id": "c001", "status": "error", "error": "ValueError: boom (full trace: x)",
                "failures": 3}, {"candidate_id": "c000", "status": "diverged"}]
    result = outcome(errored, None, None, None)
    assert result["status"] == "failed" and exit_status(result) == 3
    assert result["first_error"]["candidate_id"] == "c001" and "ValueError: boom" in closing_line(result)

    winner = {"candidate_id": "c002", "status": "winner"}
    result = outcome([*errored, winner], winner, None, None)
    assert result["status"] == "finished" and exit_status(result) == 0 and closing_line(result) is None
