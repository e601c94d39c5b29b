"""Is ``--storage`` usable? Checked before Ray starts, the way Ray Tune will open it.

Tune opens its storage path with :func:`pyarrow.fs.FileSystem.from_uri`, so :func:`check_storage`
does the same: an unknown scheme, or options the filesystem rejects, is refused at once. A local
path must be a directory this process can write to (or a path under one). A remote one is probed
by writing and deleting an empty file under it; a failure becomes one line naming its cause: the
endpoint cannot be reached, no credentials are configured, the credentials were refused, or the
bucket does not exist. Nothing is left behind when the check fails.

Example::

    check_storage("s3://bucket/runs?endpoint_override=10.0.0.9:9000&scheme=http")
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from hyperprune.errors import UserError

SCHEMES = "a local path, file://, s3://, gs:// or hdfs://"
_UNREACHABLE = (
    "NETWORK_CONNECTION",
    "Could not connect",
    "Couldn't connect",
    "Could not resolve",
    "Couldn't resolve",
    "Connection refused",
    "timed out",
    "Timeout",
)
_REFUSED = (
    "ACCESS_DENIED",
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "Forbidden",
    "Unauthorized",
    "PERMISSION_DENIED",
    "UNAUTHENTICATED",
)
_NO_BUCKET = ("NoSuchBucket", "NO_SUCH_BUCKET", "does not exist", "Bucket not found")


def check_storage(uri: str | None) -> None:
    """Raise a one-line UserError unless Tune can write to ``uri`` (None: the output directory)."""
    if not uri:
        return
    import pyarrow
    import pyarrow.fs

    try:
        filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
    except pyarrow.ArrowInvalid as exc:
        if "Unrecognized filesystem type" in str(exc):
            scheme = uri.split("://", 1)[0]
            raise UserError(f"--storage {uri}: unknown scheme {scheme!r}; use {SCHEMES}") from None
        raise UserError(f"--storage {uri}: {_first_line(exc)}") from None
    except OSError as exc:  # e.g. HDFS without its Java libraries
        raise UserError(f"--storage {uri}: cannot open its filesystem: {_first_line(exc)}") from None
    if isinstance(filesystem, pyarrow.fs.LocalFileSystem):
        _check_local(uri, Path(path))
        return
    _probe_remote(uri, filesystem, path)


def _check_local(uri: str, path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise UserError(f"--storage {uri} is a file; give a directory")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"--storage {uri}: cannot write to {existing}; choose a writable directory")


def _probe_remote(uri: str, filesystem, path: str) -> None:
    probe = f"{path.rstrip('/')}/.hyperprune-probe-{uuid.uuid4().hex}"
    try:
        with filesystem.open_output_stream(probe) as stream:
            stream.write(b"")
        filesystem.delete_file(probe)
    except OSError as exc:
        raise UserError(_cause(uri, filesystem.type_name, str(exc))) from None


def _cause(uri: str, kind: str, text: str) -> str:
    if any(marker in text for marker in _UNREACHABLE):
        return f"--storage {uri}: cannot reach the {kind} endpoint ({_short(text)}); check the address and network"
    if any(marker in text for marker in _REFUSED):
        if not credentials_configured(kind, uri):
            return f"--storage {uri}: no {kind} credentials are configured on this machine; {_HINTS.get(kind, '')}"
        return f"--storage {uri}: the {kind} credentials of this machine were refused ({_short(text)})"
    if any(marker in text for marker in _NO_BUCKET):
        return f"--storage {uri}: the bucket does not exist ({_short(text)})"
    return f"--storage {uri}: cannot write there ({_short(text)})"


_HINTS = {
    "s3": "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials",
    "gcs": "export GOOGLE_APPLICATION_CREDENTIALS=<key file> or run 'gcloud auth application-default login'",
}


def credentials_configured(kind: str, uri: str = "") -> bool:
    """Whether this machine names credentials for ``kind`` (``s3``, ``gcs``) where their SDK looks."""
    env = os.environ
    home = Path.home()
    if kind == "s3":
        files = [
            env.get("AWS_SHARED_CREDENTIALS_FILE", home / ".aws" / "credentials"),
            env.get("AWS_CONFIG_FILE", home / ".aws" / "config"),
        ]
        return (
            "access_key=" in uri
            or bool(env.get("AWS_ACCESS_KEY_ID"))
            or any(
                env.get(name)
                for name in (
                    "AWS_PROFILE",
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                )
            )
            or any(Path(f).is_file() for f in files)
        )
    if kind == "gcs":
        default = home / ".config" / "gcloud" / "application_default_credentials.json"
        return bool(env.get("GOOGLE_APPLICATION_CREDENTIALS")) or default.is_file()
    return True


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _short(text: str) -> str:
    """The last clause of an SDK error, on one line: usually the cause itself."""
    line = " ".join(text.split())
    for marker in ("Details: ", "AWS Error "):
        if marker in line:
            line = line[line.rindex(marker) + len(marker) :]
            break
    return line[:200]
