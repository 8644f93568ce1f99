"""Content-addressed storage for values too large to keep inline in a table row."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class BlobStore:
    """Blobs are files named by their SHA-256 under `root`, written atomically (temp + rename)."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:]

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
                raise
        return key

    def get(self, key: str) -> bytes:
        if is_blob_url(key):  # offloaded to the run's raw data path (see UrlBlobStore)
            return read_blob_url(key)
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"blob {key} is missing from the blob store at {self.root}") from None


def is_blob_url(key: str) -> bool:
    """Whether a blob key names its object directly (a URL), rather than a hash in a local store."""
    return "://" in key


def read_blob_url(key: str) -> bytes:
    from .._fsspec import read_bytes

    try:
        return read_bytes(key)
    except FileNotFoundError:
        raise FileNotFoundError(f"blob {key} is missing from its object store") from None


class UrlBlobStore:
    """Blobs as objects named by their SHA-256 under a URL (`<raw data path>/blobs`), so that
    every node of a cluster and a later recovery on another machine read them. A blob's key is
    its full URL; an object appears whole or not at all, so no temporary name is needed."""

    def __init__(self, root: str):
        self.root = root.rstrip("/")

    def put(self, data: bytes) -> str:
        from .._fsspec import exists, write_bytes

        digest = hashlib.sha256(data).hexdigest()
        url = f"{self.root}/{digest[:2]}/{digest[2:]}"
        if not exists(url):
            write_bytes(url, data)
        return url

    def get(self, key: str) -> bytes:
        return read_blob_url(key)
