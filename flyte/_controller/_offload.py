"""A run whose raw data path is a URL keeps its large values there too.

`OffloadingRecorder` moves every encoded input or output larger than the store's inline limit to
a `UrlBlobStore` under `<raw data path>/blobs` before the record reaches the store, which then
holds only a small reference (the value's URL). Readers anywhere (Ray workers on other nodes,
`flyte get io`, `flyte rerun --recover` on another machine sharing the store) decode the
reference through the object store. Runs with a local raw data path use the plain `Recorder`
and the store's own blob directory, at no cost.
"""

from __future__ import annotations

from typing import Any, Optional

import msgpack

from .._serde import ExtCode
from .._store import INLINE_LIMIT, UrlBlobStore
from ._recorder import Recorder

_BLOB = int(ExtCode.BLOB)


class OffloadingRecorder(Recorder):
    """A `Recorder` that keeps large values under a URL (see the module docstring)."""

    __slots__ = ("blobs",)

    def __init__(self, store: Any, run: str, replay: Optional[dict[str, bytes]], blob_root: str):
        super().__init__(store, run, replay)
        self.blobs = UrlBlobStore(blob_root)

    def _small(self, data: Optional[bytes]) -> Optional[bytes]:
        if data is None or len(data) <= INLINE_LIMIT:
            return data
        return msgpack.packb(msgpack.ExtType(_BLOB, self.blobs.put(data).encode()))

    def action(self, aid: str, parent: Optional[str], task: str, short_name: str, group: Optional[str], kind: str,
               inputs: Optional[bytes], cache_status: Optional[str] = None, attempts: int = 0,
               write: bool = True) -> Any:
        return super().action(aid, parent, task, short_name, group, kind, self._small(inputs), cache_status, attempts,
                              write)

    def finished(self, record: Any, phase: str, attempts: int, outputs: Optional[bytes] = None,
                 error: Any = None, batch: Optional[list] = None) -> Any:
        return super().finished(record, phase, attempts, self._small(outputs), error, batch)

    def cache_put(self, key: str, task: str, version: str, outputs: bytes) -> None:
        super().cache_put(key, task, version, self._small(outputs))  # type: ignore[arg-type]

    def run_record(self, task: str, phase: str, start: float, end: Optional[float], inputs: Optional[bytes],
                   outputs: Optional[bytes], error: Any, task_module: Optional[str],
                   task_file: Optional[str], context: Optional[bytes]) -> Any:
        return super().run_record(task, phase, start, end, self._small(inputs), self._small(outputs), error,
                                  task_module, task_file, context)
