"""The fsspec filesystem behind a raw-data URL (s3://, gs://, abfs://, memory://, ...).

Values that cross actions (File, Dir, DataFrame, offloaded blobs) are written under the run's
raw data path. When that path is a URL, every process of the run (the driver, Ray workers on
other machines, a later `flyte rerun --recover`) reads and writes it through the classic fsspec
implementation of its protocol (s3fs, gcsfs, adlfs), configured from `flyte.init(storage=...)`
or, failing that, from the environment (FLYTE_AWS_*, then the library's own: AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, ...).

Object stores make an object visible whole or not at all, so a single-object write here needs no
temporary name; a tree (a Dir) is marked complete by a separate marker object written last.
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


def _configured_kwargs(protocol: str) -> dict[str, Any]:
    """The configured storage (flyte.init(storage=...) or FLYTE_* variables) as this protocol's
    classic fsspec filesystem takes it."""
    from .storage import _config, _storage

    cfg = _config.config_for(protocol)
    if cfg is None:
        return {}
    return _storage._plain_fsspec_kwargs(protocol, cfg.get_fsspec_kwargs())


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
