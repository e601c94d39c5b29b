"""The id of the Ray head node, found through Ray's public APIs.

Small actors that must outlive any worker node (the reference feed) are pinned to the head
with a ``NodeAffinitySchedulingStrategy``. The head is read from the state API (the node with
``is_head_node``), which the dashboard serves; without a dashboard the driver's own node is
used: for a Ray the search started itself that is the head.
"""

from __future__ import annotations


def head_node_id(dashboard_url: str | None) -> str:
    import ray

    if dashboard_url:
        try:
            from ray.util.state import list_nodes

            heads = list_nodes(
                address=dashboard_url,
                filters=[("is_head_node", "=", True)],
                timeout=30,
                raise_on_missing_output=False,
            )
            alive = [node.node_id for node in heads if node.state == "ALIVE"]
            if alive:
                return alive[0]
        except Exception:  # an older dashboard, or one not reachable from here: fall back
            pass
    return ray.get_runtime_context().get_node_id()
