"""The cluster configs validate against Ray's own schema and keep the promises cluster/README.md makes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import ray.autoscaler
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

CLUSTER_DIR = Path(__file__).resolve().parents[2] / "cluster"
CONFIGS = ["cluster.yaml", "onprem.yaml"]


def _load(name: str) -> dict:
    return yaml.safe_load((CLUSTER_DIR / name).read_text())


def _start_commands(config: dict) -> list[str]:
    return config["head_start_ray_commands"] + config["worker_start_ray_commands"]


@pytest.mark.parametrize("name", CONFIGS)
def test_validates_against_ray_schema(name):
    schema = json.loads((Path(ray.autoscaler.__file__).parent / "ray-schema.json").read_text())
    jsonschema.validate(_load(name), schema)


@pytest.mark.parametrize("name", CONFIGS)
def test_ray_up_preparation_accepts_it(name):
    """The same defaults-merging and validation `ray up` runs before it contacts any machine."""
    validate_config(prepare_config(_load(name)))


@pytest.mark.parametrize("name", CONFIGS)
def test_every_node_gets_the_token_and_demands_it(name):
    config = _load(name)
    assert config["file_mounts"]["~/.ray/auth_token"] == "~/.ray/auth_token"
    for command in _start_commands(config):
        if "ray start" in command:
            assert "RAY_AUTH_MODE=token ray start" in command
    assert any("RAY_AUTH_MODE=token" in command for command in config["setup_commands"])


@pytest.mark.parametrize("name", CONFIGS)
def test_project_is_synced_and_installed_after_cuda_torch(name):
    config = _load(name)
    assert config["file_mounts"]["~/hyperprune"] == "."
    setup = config["setup_commands"]
    torch_at = next(i for i, command in enumerate(setup) if "torch==" in command)
    project_at = next(i for i, command in enumerate(setup) if "-e ~/hyperprune" in command)
    assert torch_at < project_at
    assert "download.pytorch.org/whl/cu" in setup[torch_at]
    assert not any("git+" in command for command in setup)


@pytest.mark.parametrize("name", CONFIGS)
def test_dashboard_on_loopback_and_ports_fixed(name):
    head = " ".join(_load(name)["head_start_ray_commands"])
    for flag in (
        "--port=6379",
        "--dashboard-host=127.0.0.1",
        "--dashboard-port=8265",
        "--ray-client-server-port=10001",
    ):
        assert flag in head
    for command in _start_commands(_load(name)):
        if "ray start" in command:
            assert "--min-worker-port=10002" in command and "--max-worker-port=10999" in command


def test_cloud_cluster_shape():
    config = _load("cluster.yaml")
    assert config["provider"]["type"] == "aws"
    workers = config["available_node_types"]["gpu_worker"]
    assert workers["min_workers"] == 0 and workers["max_workers"] >= 1
    assert workers["resources"]["GPU"] >= 1
    assert config["available_node_types"][config["head_node_type"]]["resources"] == {"CPU": 0}
    assert "security_group" not in config["provider"], "Ray's generated group keeps Ray ports private"


def test_onprem_uses_only_fields_the_local_provider_accepts():
    config = _load("onprem.yaml")
    assert config["provider"]["type"] == "local"
    assert {"head_ip", "worker_ips"} <= set(config["provider"])
    assert not {"available_node_types", "head_node", "worker_nodes", "head_node_type"} & set(config)
    assert {"ssh_user", "ssh_private_key"} <= set(config["auth"])
