"""Can the connected Ray ever run one candidate? Checked before anything is trained.

A candidate (and the dense reference) needs ``--cpus-per-trial`` CPUs and ``--gpus-per-trial``
GPUs on one node. Ray itself never fails such a request: it waits, forever on a cluster that
cannot grow. So when no node can offer it, an embedded Ray or a cluster without an autoscaler
stops the search with one line naming what was asked and what exists; a cluster whose autoscaler
can add nodes keeps waiting and says for what.

A cluster has an autoscaler when its monitor reports node types of its own (a cluster config of
``ray up``); nodes joined by hand report the read-only type ``node_<node id>`` each.
"""

from __future__ import annotations

import json
from typing import Any

from hyperprune.errors import UserError


def _fits(resources: dict[str, float], need: dict[str, float]) -> bool:
    return all(resources.get(name, 0.0) + 1e-9 >= amount for name, amount in need.items() if amount > 0)


def _describe(resources: dict[str, float]) -> str:
    return f"{resources.get('CPU', 0.0):g} CPU, {resources.get('GPU', 0.0):g} GPU"


def has_autoscaler(status_json: bytes | str | None) -> bool | None:
    """True/False from the monitor's status report, None when there is no report to read."""
    if not status_json:
        return None
    try:
        report = json.loads(status_json).get("autoscaler_report") or {}
    except (ValueError, AttributeError):
        return None
    mapping = report.get("node_type_mapping")
    if not mapping:
        return None
    return any(node_type != f"node_{node_id}" for node_id, node_type in mapping.items())


def _autoscaler_status() -> bytes | None:
    from ray._private import ray_constants
    from ray.experimental.internal_kv import _internal_kv_get

    try:
        return _internal_kv_get(ray_constants.DEBUG_AUTOSCALING_STATUS)
    except Exception:  # a Ray Client session has no internal KV
        return None


def check_capacity(need: dict[str, float], nodes: list[dict[str, Any]], *, is_local: bool,
                   autoscaler: bool | None, log=print) -> None:
    """Raise UserError when no node of ``nodes`` can ever offer ``need`` (``{"CPU": c, "GPU": g}``)."""
    if any(_fits(node["resources"], need) for node in nodes):
        return
    asked = f"each candidate asks for {_describe(need)} on one node"
    largest = max(nodes, key=lambda n: (n["resources"].get("GPU", 0.0), n["resources"].get("CPU", 0.0)),
                  default={"resources": {}})
    offered = f"the largest of {len(nodes)} node(s) has {_describe(largest['resources'])}"
    if is_local:
        raise UserError(f"{asked}, but the embedded Ray of this machine has {_describe(largest['resources'])}; "
                        "lower --gpus-per-trial/--cpus-per-trial or attach to a cluster with --address")
    if autoscaler is False:
        raise UserError(f"{asked}, but {offered} and the cluster has no autoscaler to add more; lower "
                        "--gpus-per-trial/--cpus-per-trial or add a node that has them")
    log(f"waiting for the autoscaler to add a node with {_describe(need)} ({offered} now)")


def check_connected_capacity(cpus: float, gpus: float, *, is_local: bool, log=print) -> None:
    """:func:`check_capacity` against the Ray this process is connected to."""
    from hyperprune.tune.session import cluster_nodes

    autoscaler = None if is_local else has_autoscaler(_autoscaler_status())
    check_capacity({"CPU": cpus, "GPU": gpus}, cluster_nodes(), is_local=is_local, autoscaler=autoscaler, log=log)


def embedded_resources() -> dict[str, float]:
    """The CPUs and GPUs an embedded Ray would find on this machine, found without starting it."""
    from ray._private.accelerators import get_accelerator_manager_for_resource
    from ray._private.utils import get_num_cpus

    gpus = get_accelerator_manager_for_resource("GPU")
    count = gpus.get_current_node_num_accelerators()
    visible = gpus.get_current_process_visible_accelerator_ids()
    if visible is not None:
        count = min(count, len(visible))
    return {"CPU": float(get_num_cpus()), "GPU": float(count)}


def check_embedded_capacity(cpus: float, gpus: float) -> None:
    """:func:`check_capacity` against the embedded Ray this machine would start, before it starts."""
    check_capacity({"CPU": cpus, "GPU": gpus}, [{"resources": embedded_resources()}], is_local=True,
                   autoscaler=None)
