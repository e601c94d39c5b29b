import os

import pytest


@pytest.fixture(scope="module")
def local_ray():
    """A real local Ray (no dashboard) shared by the tests of one module."""
    import ray

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    # workers import trainables defined in test modules from here
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
                 _node_ip_address="127.0.0.1")
    yield ray
    ray.shutdown()

