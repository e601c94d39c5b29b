"""Whether a Ray can ever run one candidate, and whether it has an autoscaler to wait for."""

import json

import pytest

from hyperprune.errors import UserError
from hyperprune.tune.capacity import check_capacity, has_autoscaler

NODES = [{"resources": {"CPU": 4.0}}, {"resources": {"CPU": 8.0, "GPU": 1.0}}]


def _status(mapping):
    return json.dumps({"autoscaler_report": {"node_type_mapping": mapping}})


def test_hand_joined_nodes_have_no_autoscaler_and_ray_up_types_do():
    assert has_autoscaler(_status({"abc": "node_abc", "def": "node_def"})) is False
    assert has_autoscaler(_status({"abc": "ray.head.default", "def": "gpu_worker"})) is True
    assert has_autoscaler(None) is None and has_autoscaler(b"not json") is None


def test_a_node_that_fits_passes():
    check_capacity({"CPU": 8, "GPU": 1}, NODES, is_local=False, autoscaler=False)
    check_capacity({"CPU": 2, "GPU": 0.5}, NODES, is_local=True, autoscaler=None)


def test_never_met_fails_unless_an_autoscaler_can_add_nodes():
    need = {"CPU": 1, "GPU": 2}
    with pytest.raises(UserError, match="embedded Ray of this machine has 8 CPU, 1 GPU"):
        check_capacity(need, NODES, is_local=True, autoscaler=None)
    with pytest.raises(UserError, match="the largest of 2 node.s. has 8 CPU, 1 GPU and the cluster has no autoscaler"):
        check_capacity(need, NODES, is_local=False, autoscaler=False)
    said = []
    check_capacity(need, NODES, is_local=False, autoscaler=True, log=said.append)
    assert said == ["waiting for the autoscaler to add a node with 1 CPU, 2 GPU (the largest of 2 node(s) has "
                    "8 CPU, 1 GPU now)"]
    # a CPU request larger than any node is never met either, GPUs or not
    with pytest.raises(UserError, match="asks for 16 CPU, 0 GPU"):
        check_capacity({"CPU": 16, "GPU": 0}, NODES, is_local=False, autoscaler=False)
