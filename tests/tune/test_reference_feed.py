"""The reference feed keeps what it was told, times the dense runs' progress, and a waiting
candidate gives up on a stalled run with one error naming it; dense runs get resources of their own."""

import time

import pytest
import ray

from hyperprune.tune.dense_reservation import release, reserve, task_options
from hyperprune.tune.head_node import head_node_id
from trainables.reference_feed import ReferenceFeed, ReferenceView

pytestmark = pytest.mark.slow

LABEL = "dense reference 0a1b2c"


@pytest.fixture(scope="module")
def one_cpu_ray():
    if ray.is_initialized():  # a Ray another module started without shutting it down: this one needs 1 CPU
        ray.shutdown()
    ray.init(
        address="local",  # a Ray of its own, whatever else runs on the machine
        num_cpus=1,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        _node_ip_address="127.0.0.1",
    )
    yield
    ray.shutdown()


def _record(epochs: int) -> dict:
    return {
        "epochs": list(range(1, epochs + 1)),
        "ls": [[float(e), 0.0] for e in range(1, epochs + 1)],
        "val_loss": [5.0 - e for e in range(1, epochs + 1)],
        "ls_epoch0": [0.0, 0.0],
    }


def _feed():
    node = head_node_id(None)
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return ReferenceFeed.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote(
        {"reference": None}, {"reference": LABEL}
    )


def test_a_retried_run_never_shortens_the_record(one_cpu_ray):
    feed = _feed()
    assert ray.get(feed.quiet_s.remote("reference")) is None  # its task has not started: not timed
    ray.get(feed.publish.remote("reference", _record(2)))
    ray.get(feed.publish.remote("reference", {**_record(0), "epochs": []}))  # the retry starts again
    record, error, finished = ray.get(feed.read.remote("reference"))
    assert record["epochs"] == [1, 2] and error is None and not finished
    ray.get(feed.publish.remote("reference", _record(3), True))
    assert ray.get(feed.read.remote("reference"))[0]["epochs"] == [1, 2, 3]
    assert ray.get(feed.quiet_s.remote("reference")) is None  # finished


def test_a_waiting_candidate_gives_up_on_a_stalled_run_naming_it(one_cpu_ray):
    feed = _feed()
    ray.get(feed.publish.remote("reference", _record(1)))
    view = ReferenceView({"ls": {}}, feed, timeout_s=0.5)
    assert view.spectrum(1) == [1.0, 0.0]
    with pytest.raises(RuntimeError) as raised:
        view.spectrum(2)
    message = str(raised.value)
    assert message.startswith(f"{LABEL} published no new epoch for") and "--dense-progress-timeout" in message
    assert "\n" not in message


def test_progress_of_a_retried_run_counts_as_progress(one_cpu_ray):
    feed = _feed()
    ray.get(feed.publish.remote("reference", _record(2)))
    time.sleep(0.3)
    # the retry retrains epoch 1: kept out of the record, but it is progress
    ray.get(feed.publish.remote("reference", _record(1)))
    assert ray.get(feed.quiet_s.remote("reference")) < 0.3
    assert ray.get(feed.read.remote("reference"))[0]["epochs"] == [1, 2]


@ray.remote
def _where() -> str:
    return ray.get_runtime_context().get_node_id()


def test_a_reserved_task_starts_while_others_hold_every_cpu(one_cpu_ray):
    reservation = reserve({"cpu": 1}, "reference")  # the only CPU, set aside first
    assert reservation.group.wait(timeout_seconds=60) and reservation.placed()

    @ray.remote(num_cpus=1)
    class Holder:  # a candidate that would hold the CPU while waiting for the reference
        def ping(self):
            return 1

    holder = Holder.remote()
    ready, _ = ray.wait([holder.ping.remote()], timeout=2)
    assert not ready  # every CPU is taken: only the reserved bundle has one
    node = ray.get(_where.options(**task_options(reservation, retries=1)).remote(), timeout=60)
    assert node == head_node_id(None)
    release(reservation)
    assert ray.get(holder.ping.remote(), timeout=60) == 1  # given back once the run is stored
    ray.kill(holder)


def test_the_reference_waits_for_its_worker_before_the_candidates_start(one_cpu_ray):
    blocker = reserve({"cpu": 1}, "a search that just ended")  # its resources not given back yet
    assert blocker.group.wait(timeout_seconds=60)
    reservation = reserve({"cpu": 1}, "reference")
    said = []
    assert not reservation.wait_placed(2.5, log=said.append, label=LABEL)  # still held
    assert not reservation.placed()
    assert said == [f"{LABEL}: waiting for 1 CPU, 0 GPU to be free"]
    release(blocker)
    assert reservation.wait_placed(60, log=said.append, label=LABEL)
    assert reservation.placed()

    @ray.remote(num_cpus=1)
    class Candidate:
        def ping(self):
            return 1

    candidate = Candidate.remote()  # started after the wait: it cannot take the reference's CPU
    ready, _ = ray.wait([candidate.ping.remote()], timeout=2)
    assert not ready
    release(reservation)
    assert ray.get(candidate.ping.remote(), timeout=60) == 1
    ray.kill(candidate)
