"""The busy-candidate line: named past 3x the median candidate-epoch, with what it is doing,
again when its wait doubles, never for a candidate that is paused or just reported."""

from dataclasses import dataclass, field

from hyperprune.tune.busy import BusyWatcher


@dataclass
class FakeTrial:
    trial_id: str
    status: str = "RUNNING"
    config: dict = field(default_factory=dict)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _watcher(board_lines):
    clock = Clock()
    reads = []

    def read(board):
        reads.append(board)
        return board_lines

    return BusyWatcher("board", quiet=True, clock=clock, read=read), clock, reads


def test_a_slow_candidate_is_named_with_its_phase_and_again_when_its_wait_doubles():
    watcher, clock, reads = _watcher({"c001": ("sa: end-of-epoch update (epoch 1)", 1010.0)})
    fast, slow = (
        FakeTrial("t0", config={"candidate_id": "c000"}),
        FakeTrial("t1", config={"candidate_id": "c001"}),
    )
    trials = [fast, slow]
    watcher.on_step_begin(0, trials)
    for _ in range(3):  # c000 finishes epochs of 10 s
        clock.now += 10
        watcher.on_trial_result(0, trials, fast, {"time_this_iter_s": 10.0})
        watcher.on_step_begin(0, trials)
    assert watcher.lines == [] and reads == []  # c001 busy for 30 s = 3x the median: not yet more
    clock.now += 6
    watcher.on_trial_result(0, trials, fast, {"time_this_iter_s": 10.0})
    watcher.on_step_begin(0, trials)
    assert len(watcher.lines) == 1
    assert watcher.lines[0].startswith("  c001 busy for 36 s, 3.6x the median candidate-epoch (10 s): ")
    assert "sa: end-of-epoch update (epoch 1) for the last 26 s" in watcher.lines[0]
    fast.status = "PAUSED"  # c000 reached the rung and waits
    clock.now += 20  # 56 s: not yet twice the 36 s it was named at
    watcher.on_step_begin(0, trials)
    assert len(watcher.lines) == 1
    clock.now += 20  # 76 s
    watcher.on_step_begin(0, trials)
    assert len(watcher.lines) == 2 and "c001 busy for 76 s" in watcher.lines[1]


def test_paused_candidates_and_fresh_results_reset_the_wait():
    watcher, clock, _ = _watcher({})
    trial = FakeTrial("t0", config={"candidate_id": "c000"})
    watcher.on_step_begin(0, [trial])
    clock.now += 5
    watcher.on_trial_result(0, [trial], trial, {"time_this_iter_s": 5.0})
    trial.status = "PAUSED"
    clock.now += 100
    watcher.on_step_begin(0, [trial])  # waiting at a rung is not being busy
    assert watcher.lines == []
    trial.status = "RUNNING"
    watcher.on_step_begin(0, [trial])
    clock.now += 10
    watcher.on_step_begin(0, [trial])
    assert watcher.lines == []
    clock.now += 10  # 20 s since it resumed, 4x the median of 5 s
    watcher.on_step_begin(0, [trial])
    assert watcher.lines == [
        "  c000 busy for 20 s, 4.0x the median candidate-epoch (5 s): no phase posted yet"
    ]


def test_nothing_is_said_before_any_candidate_epoch_finished():
    watcher, clock, reads = _watcher({})
    trial = FakeTrial("t0")
    watcher.on_step_begin(0, [trial])
    clock.now += 1000
    watcher.on_step_begin(0, [trial])
    assert watcher.lines == [] and reads == []
