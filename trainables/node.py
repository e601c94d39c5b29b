"""Where the calling Ray worker runs, recorded by trainables in every result."""

from __future__ import annotations

import socket


def current_node() -> dict[str, str]:
    """``node_id``, ``node_ip`` and ``hostname`` of the Ray node this process runs on."""
    import ray

    return {
        "node_id": ray.get_runtime_context().get_node_id(),
        "node_ip": ray.util.get_node_ip_address(),
        "hostname": socket.gethostname(),
    }
