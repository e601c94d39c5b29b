"""The one place the search connects to Ray: start an embedded local Ray or attach to a cluster.

Example::

    session = connect(None, num_cpus=2)            # embedded Ray, dashboard on 127.0.0.1
    print(session.dashboard_url, session.resources)
    shutdown(session)                               # or: wait = begin_shutdown(session); ...; wait()

    session = connect("auto")                      # inside `ray job submit` or on a cluster node
    session = connect("10.0.0.5:6379", timeout_s=10)

Token authentication (Ray 2.60). Ray reads ``RAY_AUTH_MODE`` (``token`` or ``disabled``) and the
token from ``RAY_AUTH_TOKEN``, else the file named by ``RAY_AUTH_TOKEN_PATH``, else
``~/.ray/auth_token``. A new local Ray turns token auth on unless ``RAY_AUTH_MODE`` is set, and
writes ``~/.ray/auth_token`` when no token exists. When attaching, Ray itself turns token mode on
only for ``address="auto"``. For an explicit address with ``RAY_AUTH_MODE`` unset, :func:`connect`
first asks the cluster without a token: a cluster without authentication answers, and the driver
stays out of token mode; only a cluster that demands a token makes it switch to token mode with
the token it has. The driver must match the cluster: a driver in token mode also demands the token
on the calls the cluster makes back to it, so against a cluster without authentication the GCS,
refused when it calls the driver about an actor's owner, takes the driver for dead and cancels
every actor it creates before it starts (plain tasks still run). A rejected or missing token becomes a
:class:`~hyperprune.errors.UserError` that says how to share the head's token.

Binding, as measured on Linux with Ray 2.60: the dashboard listens on 127.0.0.1 here, but the GCS
and raylet gRPC servers listen on every interface whatever node IP is given (a 127.0.0.1 node IP
is replaced by the routable address). Keep clusters private with firewalls; see cluster/README.md.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hyperprune.errors import UserError
from trainables.node import current_node  # noqa: F401  (re-exported: where a worker runs)

_LOCAL_ADDRESSES = (None, "", "local")
_DEFAULT_DASHBOARD_PORT = 8265
_AUTH_MARKERS = ("InvalidAuthToken", "Unauthenticated", "AuthenticationError", "authentication token")
_TOKEN_HINT = (
    "copy the head node's token (run 'ray get-auth-token' there) into ~/.ray/auth_token on this "
    "machine or export RAY_AUTH_TOKEN=<token>, and export RAY_AUTH_MODE=token"
)


class _AuthRefused(UserError):
    """The cluster refused this driver's token, or the lack of one."""


@dataclass(frozen=True)
class RaySession:
    """A live connection to Ray.

    ``address`` is the GCS ``host:port`` (or the ``ray://`` URL given), ``dashboard_url`` a full
    ``http://`` URL or None, ``is_local`` True when :func:`connect` started this Ray itself,
    ``node_id`` the driver's node, ``resources`` the cluster totals at connect time, ``owned``
    False when :func:`connect` found this process already connected and reused that connection
    (then :func:`shutdown` leaves it alone).
    """

    address: str
    dashboard_url: str | None
    is_local: bool
    node_id: str
    resources: dict[str, float] = field(default_factory=dict)
    owned: bool = True


def connect(
    address: str | None,
    *,
    num_cpus: int | None = None,
    num_gpus: int | None = None,
    dashboard: bool = True,
    timeout_s: float = 30,
) -> RaySession:
    """Start a local Ray or attach to a running cluster.

    ``address`` None starts a local Ray unless ``RAY_ADDRESS`` is set (as inside ``ray job
    submit``), which is then attached to; ``"local"`` always starts a local Ray. It may also be ``"auto"`` (the cluster this machine belongs to, or ``RAY_ADDRESS``),
    ``"host:port"`` (the head's GCS port, 6379 by default) or ``"ray://host:10001"`` (Ray Client).
    ``num_cpus``/``num_gpus`` size a local Ray only. An address that does not answer within
    about ``timeout_s`` seconds, or that rejects this machine's token, raises UserError.
    If this process is already connected, the existing connection is described and reused
    (``owned`` False, so :func:`shutdown` leaves it alone).
    """
    import ray

    if ray.is_initialized():
        return _describe(is_local=False, address=_current_gcs_address(), owned=False)
    if address is None and os.environ.get("RAY_ADDRESS"):
        address = os.environ["RAY_ADDRESS"]
    if address in _LOCAL_ADDRESSES:
        return _start_local(num_cpus, num_gpus, dashboard)
    if num_cpus is not None or num_gpus is not None:
        raise UserError(
            "--num-cpus/--num-gpus size only a local Ray; a cluster's nodes declare their own resources"
        )
    return _attach(address.strip(), timeout_s)


def check_address(address: str | None, timeout_s: float = 10) -> bool:
    """What :func:`connect` checks that needs no Ray started: an address to attach to is well
    formed and something listens there (``auto``: a cluster runs on this machine). Returns
    whether :func:`connect` would start an embedded Ray instead of attaching."""
    if address is None and os.environ.get("RAY_ADDRESS"):
        address = os.environ["RAY_ADDRESS"]
    if address in _LOCAL_ADDRESSES:
        return True
    address = address.strip()
    if address.startswith("ray://"):
        host, port = _split_host_port(address[len("ray://") :], address)
    else:
        host, port = _split_host_port(_resolve(address), address)
    _probe_port(host, port, address, timeout_s)
    return False


def shutdown(session: RaySession | None) -> None:
    """Disconnect from Ray; a Ray that :func:`connect` started locally is stopped with it.

    Attached clusters keep running (``ray.shutdown`` on a driver only disconnects it); a
    connection :func:`connect` merely reused (``owned`` False) is left open.
    """
    import ray

    if session is not None and session.owned and ray.is_initialized():
        ray.shutdown()


def begin_shutdown(session: RaySession | None) -> Callable[[], None]:
    """Start :func:`shutdown` in a background thread and return the function that waits for it.

    Stopping an embedded Ray's processes takes about a second and a half of waiting, which the
    driver spends writing the result instead; the waiting function re-raises what the shutdown
    raised. Nothing may use Ray between the two calls.
    """
    failure: list[BaseException] = []

    def stop() -> None:
        try:
            shutdown(session)
        except BaseException as exc:  # handed to the waiting thread
            failure.append(exc)

    worker = threading.Thread(target=stop, name="ray-shutdown", daemon=True)
    worker.start()

    def wait() -> None:
        worker.join()
        if failure:
            raise failure[0]

    return wait


def cluster_nodes() -> list[dict[str, Any]]:
    """Alive nodes of the connected cluster: ``node_id``, ``ip``, ``hostname``, ``resources``."""
    import ray

    return [
        {
            "node_id": node["NodeID"],
            "ip": node["NodeManagerAddress"],
            "hostname": node.get("NodeManagerHostname", ""),
            "resources": dict(node.get("Resources", {})),
        }
        for node in ray.nodes()
        if node.get("Alive")
    ]




def dashboard_headers() -> dict[str, str]:
    """HTTP headers the dashboard's REST API needs from this process (the bearer token, if any)."""
    from ray._private.authentication.http_token_authentication import get_auth_headers_if_auth_enabled

    return dict(get_auth_headers_if_auth_enabled({}))


def _start_local(num_cpus: int | None, num_gpus: int | None, dashboard: bool) -> RaySession:
    import ray

    from hyperprune.searching.locks import embedded_start

    kwargs: dict[str, Any] = {}
    # Choosing the port and starting Ray happen under a host-wide lock: two searches started at
    # the same moment would otherwise both find 8265 free, and the second dashboard would fail.
    with embedded_start(), _quiet_auth_notice():
        if dashboard:
            kwargs.update(dashboard_host="127.0.0.1", dashboard_port=_dashboard_port())
        try:
            context = ray.init(
                address="local",
                num_cpus=num_cpus,
                num_gpus=num_gpus,
                include_dashboard=dashboard,
                log_to_driver=False,
                configure_logging=True,
                logging_level=logging.WARNING,
                **kwargs,
            )
        except Exception as exc:
            if "address already in use" not in str(exc):
                raise
            raise UserError(
                f"the embedded Ray could not bind port {kwargs.get('dashboard_port')}: another program took it "
                "while Ray started; run the search again, or add --no-dashboard"
            ) from None
    return _describe(is_local=True, address=context.address_info["address"], context=context)


def _attach(address: str, timeout_s: float) -> RaySession:
    import ray

    if address.startswith("ray://"):
        host, port = _split_host_port(address[len("ray://") :], address)
        _probe_port(host, port, address, timeout_s)
        _send_token_if_available()  # Ray Client cannot be asked first; a cluster without auth ignores it
        target = address
    else:
        target = _resolve(address)
        host, port = _split_host_port(target, address)
        _probe_port(host, port, address, timeout_s)
        _match_auth_mode(target, address, timeout_s)
    try:
        with _quiet_auth_notice():
            context = ray.init(address=target, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError) as exc:
        raise _connection_error(exc, address) from None
    gcs = target if address.startswith("ray://") else context.address_info.get("address", target)
    return _describe(is_local=False, address=gcs, context=context)


def _resolve(address: str) -> str:
    """``auto`` becomes the address of the cluster this machine belongs to."""
    if address != "auto":
        return address
    from ray._private import services

    try:
        found = services.canonicalize_bootstrap_address("auto")
    except (ConnectionError, ValueError):
        found = None
    if not found:
        raise UserError(
            "no Ray cluster runs on this machine (address 'auto'): start one with 'ray start --head', "
            "set RAY_ADDRESS, or pass the head's HOST:PORT"
        )
    return found


def _split_host_port(value: str, original: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise UserError(f"bad Ray address {original!r}: use 'auto', HOST:PORT or ray://HOST:PORT")
    return host.strip("[]"), int(port)


def _no_cluster(address: str) -> UserError:
    return UserError(
        f"no Ray cluster answers at {address}: start one with 'ray start --head' or check the address"
    )


def _probe_port(host: str, port: int, address: str, timeout_s: float) -> None:
    """Fail fast when nothing listens: Ray itself retries a dead address for about a minute."""
    try:
        with socket.create_connection((host, port), timeout=max(timeout_s, 0.1)):
            pass
    except OSError:
        raise _no_cluster(address) from None


def _probe_gcs(target: str, address: str, timeout_s: float) -> None:
    """Ask the GCS for its cluster id in a side thread, so a wrong service or token fails quickly."""
    from ray._raylet import GcsClient

    outcome: dict[str, BaseException | None] = {}

    def probe() -> None:
        try:
            GcsClient(address=target).cluster_id  # noqa: B018 - the call is the probe
            outcome["error"] = None
        except BaseException as exc:  # reported to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=probe, name="ray-gcs-probe", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if "error" not in outcome:
        raise _no_cluster(address)
    if outcome["error"] is not None:
        raise _connection_error(outcome["error"], address)


def _connection_error(exc: BaseException, address: str) -> UserError:
    """Turn Ray's connection failures into one line; auth failures get the token hint."""
    text = ""
    cause: BaseException | None = exc
    while cause is not None:
        text += f" {type(cause).__name__}: {cause}"
        cause = cause.__cause__ or cause.__context__
    if any(marker in text for marker in _AUTH_MARKERS):
        if os.environ.get("RAY_AUTH_MODE", "").lower() == "disabled":
            return _AuthRefused(
                f"the Ray cluster at {address} requires token authentication but RAY_AUTH_MODE=disabled "
                f"here: {_TOKEN_HINT}"
            )
        return _AuthRefused(f"the Ray cluster at {address} rejected this machine's auth token: {_TOKEN_HINT}")
    return _no_cluster(address)


def _match_auth_mode(target: str, address: str, timeout_s: float) -> None:
    """Probe the GCS and leave this driver in the auth mode the cluster uses.

    ``RAY_AUTH_MODE`` set by the user is respected as it is. Unset, the cluster is asked without a
    token first (Ray's own default for an explicit address); only when it refuses for want of a
    token, and a token is available here, does the driver switch to token mode and ask again.
    """
    if "RAY_AUTH_MODE" in os.environ:
        _probe_gcs(target, address, timeout_s)
        return
    try:
        _probe_gcs(target, address, timeout_s)
        return
    except _AuthRefused:
        pass
    if not _send_token_if_available():
        raise UserError(f"the Ray cluster at {address} requires token authentication and this machine has "
                        f"no token: {_TOKEN_HINT}")
    _probe_gcs(target, address, timeout_s)


def _send_token_if_available() -> bool:
    """Switch this process to token mode when RAY_AUTH_MODE is unset and a token exists."""
    if "RAY_AUTH_MODE" in os.environ:
        return os.environ["RAY_AUTH_MODE"].lower() == "token"
    from ray._raylet import AuthenticationTokenLoader, Config

    loader = AuthenticationTokenLoader.instance()
    loader.reset_cache()
    if not loader.has_token(ignore_auth_mode=True):
        return False
    os.environ["RAY_AUTH_MODE"] = "token"
    Config.initialize("")
    return True


def _dashboard_port() -> int:
    """8265 when free, else any free port (several local Rays may share a host)."""
    for port in (_DEFAULT_DASHBOARD_PORT, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise UserError("no free TCP port for the Ray dashboard on 127.0.0.1")


def _current_gcs_address() -> str:
    import ray

    node = ray._private.worker.global_worker.node
    return node.address if node is not None else ""


def _describe(is_local: bool, address: str, context: Any = None, owned: bool = True) -> RaySession:
    import ray

    url = getattr(context, "dashboard_url", None) if context is not None else _dashboard_from_kv()
    if url and not url.startswith(("http://", "https://")):
        url = f"http://{url}"
    return RaySession(
        address=address,
        dashboard_url=url or None,
        is_local=is_local,
        node_id=ray.get_runtime_context().get_node_id(),
        resources={key: float(value) for key, value in ray.cluster_resources().items()},
        owned=owned,
    )


def _dashboard_from_kv() -> str | None:
    from ray._private import services

    try:
        return services.get_webui_url_from_internal_kv()
    except Exception:  # an attached Ray Client session has no internal KV
        return None


@contextmanager
def _quiet_auth_notice() -> Iterator[None]:
    """Silence Ray's per-start notice that token auth is on (this module documents the choice)."""
    auth_logger = logging.getLogger("ray._private.authentication.authentication_token_setup")
    level = auth_logger.level
    auth_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        auth_logger.setLevel(level)
