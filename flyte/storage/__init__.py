"""Storage: where task data lives and how programs read and write it.

Local paths work directly; object stores (s3://, gs://, abfs://) go through fsspec, configured by
`flyte.init(storage=S3(...))` or the environment (`S3.auto()`, ...). The helpers are async (`put`,
`get`, `open`, `exists`, `get_stream`, `put_stream`) with `exists_sync` for sync code.
"""

from ._config import ABFS, GCS, S3, Storage
from ._storage import (
    exists,
    exists_sync,
    get,
    get_configured_fsspec_kwargs,
    get_random_local_directory,
    get_random_local_path,
    get_stream,
    get_underlying_filesystem,
    is_remote,
    join,
    open,
    put,
    put_stream,
)

__all__ = [
    "ABFS",
    "GCS",
    "S3",
    "Storage",
    "exists",
    "exists_sync",
    "get",
    "get_configured_fsspec_kwargs",
    "get_random_local_directory",
    "get_random_local_path",
    "get_stream",
    "get_underlying_filesystem",
    "is_remote",
    "join",
    "open",
    "put",
    "put_stream",
]
