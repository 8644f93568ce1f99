"""How a FlyteFile or FlyteDirectory crosses from one task to the next, as in flytekit's local mode.

A local path is passed as it is (flytekit does not upload in a local execution): the receiver
sees the very path the producer returned, so a script that appends to its input file changes
the file the next task reads (and a file deleted in between fails the receiver, naming it). A remote URL arrives as a local path under `flyte_tmp_dir` that is
fetched on first use, with the URL as the value's `remote_source`; passing such a value on
passes the URL again.
"""

from __future__ import annotations

import os
from typing import Any, Optional


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def uploaded(value: Any) -> Optional[str]:
    """Where `value` (a FlyteFile or FlyteDirectory) is uploaded before it is passed on, or None.

    flytekit uploads a value to the destination it was given (`FlyteFile(p, remote_path=...)`,
    `FlyteDirectory(p, remote_directory=...)`) even in a local execution, and passes on that
    location instead of the local path; a value already remote, or one given no destination (or
    `False`), is passed as it is. Returns once the copy is complete."""
    if getattr(value, "_remote_source", None) is not None:
        return None
    target = getattr(value, "_remote_path", None) or getattr(value, "_remote_directory", None)
    if not isinstance(target, (str, os.PathLike)):
        return None
    from ..core.context_manager import FlyteContextManager

    multipart = getattr(value, "_flyte_io_kind", "") != "file"
    return FlyteContextManager.current_context().file_access.put_data(value.path, os.fspath(target), is_multipart=multipart)


def crossing_record(value: Any) -> dict[str, Any]:
    """What the runtime records for `value` (a FlyteFile or FlyteDirectory)."""
    source = getattr(value, "_remote_source", None) or uploaded(value)
    record = {"path": source or value.path, "name": value.name, "format": value.format, "hash": value.hash}
    metadata = getattr(value, "metadata", None)
    if metadata:  # a FlyteFile's user metadata travels with it, as in its blob literal
        record["metadata"] = dict(metadata)
    return record


def arriving(cls: type, record: dict[str, Any]) -> Any:
    """The value a receiving task gets for a recorded one."""
    path = record["path"]
    if not _is_remote(path):
        if getattr(cls, "_flyte_io_kind", "") == "file" and not os.path.isfile(path):
            from ..exceptions.user import FlyteAssertion

            raise FlyteAssertion(f"Cannot convert from {path} to {cls.__qualname__}. Expected a file, but {path} is not a file.")
        value = cls(path)
        if getattr(cls, "_flyte_io_kind", "") != "file":
            value._remote_directory = False  # as flytekit builds an arriving directory
    else:
        from ..core.data_persistence import flyte_tmp_dir

        local = os.path.join(flyte_tmp_dir, "local_flytekit", os.urandom(16).hex(), os.path.basename(path.rstrip("/")))
        value = cls(local)
        value._remote_source = path
    value.hash = record.get("hash")
    if record.get("metadata"):
        value.metadata = dict(record["metadata"])
    return value
