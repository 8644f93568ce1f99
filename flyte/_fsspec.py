"""The fsspec filesystem behind a raw-data URL (s3://, gs://, abfs://, memory://, ...).

Values that cross actions (File, Dir, DataFrame, offloaded blobs) are written under the run's
raw data path. When that path is a URL, every process of the run (the driver, Ray workers on
other machines, a later `flyte rerun --recover`) reads and writes it through the classic fsspec
implementation of its protocol (s3fs, gcsfs, adlfs), configured from `flyte.init(storage=...)`
or, failing that, from the environment (FLYTE_AWS_*, then the library's own: AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, ...).

Object stores make an object visible whole or not at all, so a single-object write here needs no
temporary name; a tree (a Dir) is marked complete by a separate marker object written last.

This module also holds the storage configuration of the process (`configure_storage`, set by
`flyte.init(storage=...)` and, on a worker, by the driver's settings; `storage_for` a protocol).
It lives here, not in `flyte.storage`, because `flyte.storage` is one of the SDK's public modules
and carries exactly the SDK's names: the configuration objects (`S3`, `GCS`, `ABFS`) and the I/O
helpers users call. What the runtime needs beyond them (which configuration is in force, the
translation to the classic fsspec filesystems' options) is this module's, built on those public
names, so no runtime module imports a private module of `flyte.storage`.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any


def protocol_of(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "file"


def is_url(path: Any) -> bool:
    """Whether `path` names an object in a remote store (not a local path or file:// URL)."""
    return isinstance(path, str) and "://" in path and not path.startswith("file://")


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts if p)])


# The configuration flyte.init(storage=...) chose (None: each protocol's own `auto()`).
_configured: Any = None


def configure_storage(storage: Any) -> None:
    """Use `storage` (a `flyte.storage.Storage`, or None for the environment's) from now on."""
    from .storage import Storage

    global _configured
    if storage is not None and not isinstance(storage, Storage):
        raise TypeError(f"storage must be a flyte.storage.Storage (S3, GCS, ABFS), got {type(storage).__name__}")
    _configured = storage


def configured_storage() -> Any:
    """The storage `flyte.init(storage=...)` set, or None."""
    return _configured


def storage_for(protocol: str) -> Any:
    """The storage configuration for `protocol`'s object store: the configured one if it is of
    that store's kind, else the one the environment describes; None for other protocols."""
    from .storage import ABFS, GCS, S3, Storage

    kinds: dict[str, type[Storage]] = {"s3": S3, "s3a": S3, "gs": GCS, "gcs": GCS, "abfs": ABFS, "abfss": ABFS,
                                       "az": ABFS}
    kind = kinds.get(protocol)
    if kind is None:
        return None
    return _configured if isinstance(_configured, kind) else kind.auto()


def classic_fsspec_kwargs(protocol: str, options: dict[str, Any]) -> dict[str, Any]:
    """obstore-style options (a `Storage.get_fsspec_kwargs()`) as the classic fsspec filesystems
    (s3fs, gcsfs, adlfs) take them."""
    config = options.get("config", {})
    if protocol.startswith("s3"):
        out: dict[str, Any] = {}
        if "access_key_id" in config:
            out["key"] = config["access_key_id"]
        if "secret_access_key" in config:
            out["secret"] = config["secret_access_key"]
        if config.get("skip_signature"):
            out["anon"] = True
        client: dict[str, Any] = {}
        if "endpoint" in config:
            client["endpoint_url"] = config["endpoint"]
        if options.get("region"):
            client["region_name"] = options["region"]
        if client:
            out["client_kwargs"] = client
        return out
    if protocol in ("abfs", "abfss", "az"):
        return {k: v for k, v in config.items() if k != "skip_signature"} | ({"anon": True}
                                                                               if config.get("skip_signature") else {})
    return {"token": "anon"} if config.get("skip_signature") else {}


def _configured_kwargs(protocol: str) -> dict[str, Any]:
    """The configured storage (flyte.init(storage=...) or FLYTE_* variables) as this protocol's
    classic fsspec filesystem takes it."""
    cfg = storage_for(protocol)
    if cfg is None:
        return {}
    return classic_fsspec_kwargs(protocol, cfg.get_fsspec_kwargs())


def filesystem(url: str) -> tuple[Any, str]:
    """(filesystem, path inside it) for `url`."""
    import fsspec

    protocol = protocol_of(url)
    try:
        # fsspec keeps one instance per protocol and options, so this is cheap after the first call
        fs = fsspec.filesystem(protocol, **_configured_kwargs(protocol))
    except ImportError as e:
        raise ImportError(f"Reading or writing {url} needs the fsspec filesystem for {protocol}:// "
                          f"({e}); e.g. pip install s3fs for s3://") from e
    return fs, fs._strip_protocol(url)


def read_bytes(url: str) -> bytes:
    fs, path = filesystem(url)
    return fs.cat_file(path)


def write_bytes(url: str, data: bytes) -> None:
    fs, path = filesystem(url)
    fs.pipe_file(path, data)


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    return fs.exists(path)


def put_file(local: str, url: str) -> None:
    fs, path = filesystem(url)
    fs.put_file(local, path)


def put_tree(local: str, url: str, marker: str) -> None:
    """Upload the directory `local` to `url`, then write `marker`: a reader that finds the marker
    finds the whole tree (an interrupted upload leaves no marker and is redone)."""
    fs, path = filesystem(url)
    for dirpath, _dirs, files in os.walk(local):
        rel = os.path.relpath(dirpath, local)
        for name in files:
            target = path if rel == "." else f"{path}/{rel.replace(os.sep, '/')}"
            fs.put_file(os.path.join(dirpath, name), f"{target}/{name}")
    write_bytes(marker, b"")


def get_tree(url: str, local: str) -> None:
    fs, path = filesystem(url)
    os.makedirs(local, exist_ok=True)
    fs.get(path.rstrip("/") + "/", local.rstrip(os.sep) + os.sep, recursive=True)


def local_temp_dir() -> str:
    return tempfile.mkdtemp(prefix="flyte-download-")
