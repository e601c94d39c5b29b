"""Fixtures for tests that need a real multi-node Ray: ``two_node_cluster``.

``two_node_cluster`` starts a head and one worker with ``ray start`` on this machine (one CPU
each, custom resources ``node_a`` and ``node_b`` to pin work to either node), token
authentication on with a fresh shared token, each node in its own temp dir. For the module that
uses it, this process carries ``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN`` so that a driver
here (``connect(cluster.address)``) is accepted; a subprocess gets them from
``cluster.driver_env()``. At the end it stops only its own processes and restores the
environment. Usage::

    def test_pinned(two_node_cluster):
        session = connect(two_node_cluster.address)
        ...
        shutdown(session)
"""

from __future__ import annotations

import os

import pytest
from ray_loopback_cluster import LoopbackCluster

_AUTH_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS")


def _reload_ray_auth_settings() -> None:
    """Make this process's Ray read the auth variables again (they are cached in C++)."""
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


@pytest.fixture(scope="module")
def two_node_cluster():
    """A started :class:`LoopbackCluster` with nodes ``node_a`` (head) and ``node_b``."""
    import ray

    saved = {name: os.environ.get(name) for name in _AUTH_VARS}
    cluster = LoopbackCluster([{"node_a": 1}, {"node_b": 1}], num_cpus=1)
    try:
        cluster.start()
        os.environ.update({k: v for k, v in cluster.driver_env({}).items() if k.startswith("RAY_AUTH")})
        for name in ("RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS"):
            os.environ.pop(name, None)
        _reload_ray_auth_settings()
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _reload_ray_auth_settings()
