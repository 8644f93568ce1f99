"""How a FlyteFile or FlyteDirectory crosses from one task to the next, as in flytekit's local mode.

A local path is passed as it is (flytekit does not upload in a local execution): the receiver
sees the very path the producer returned, so a script that appends to its input file changes
the file the next task reads (and a file deleted in between fails the receiver, naming it). A remote URL arrives as a local path under `flyte_tmp_dir` that is
fetched on first use, with the URL as the value's `remote_source`; passing such a value on
passes the URL again.
"""

from __future__ import annotations

import os
from typing import Any


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def crossing_record(value: Any) -> dict[str, Any]:
    """What the runtime records for `value` (a FlyteFile or FlyteDirectory)."""
    source = getattr(value, "_remote_source", None)
    return {"path": source or value.path, "name": value.name, "format": value.format, "hash": value.hash}


def arriving(cls: type, record: dict[str, Any]) -> Any:
    """The value a receiving task gets for a recorded one."""
    path = record["path"]
    if not _is_remote(path):
        if getattr(cls, "_flyte_io_kind", "") == "file" and not os.path.isfile(path):
            from ..exceptions.user import FlyteAssertion

            raise FlyteAssertion(f"Cannot convert from {path} to {cls.__qualname__}. Expected a file, but {path} is not a file.")
        value = cls(path)
    else:
        from ..core.data_persistence import flyte_tmp_dir

        local = os.path.join(flyte_tmp_dir, "local_flytekit", os.urandom(16).hex(), os.path.basename(path.rstrip("/")))
        value = cls(local)
        value._remote_source = path
    value.hash = record.get("hash")
    return value
