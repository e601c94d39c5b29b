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


# A language model small enough that a whole search trains in well under a minute.
TINY = ["model.hidden_size=24", "model.emb_size=24", "train.max_batches=6", "train.max_eval_batches=4",
        "train.ls_steps=12", "train.ls_warmup=3"]


def search_args(out, cache, *extra):
    args = ["search", "--out", str(out), "--cache-dir", str(cache), "--no-dashboard", "--no-report", "--quiet"]
    for item in TINY:
        args += ["--set", item]
    return args + list(extra)
