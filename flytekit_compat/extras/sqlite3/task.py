"""`SQLite3Task`: a query against a SQLite database file, run in the task itself.

The database is a file at `SQLite3Config.uri` (a local path or any URL the file access layer
reads), optionally an archive holding exactly that one file. The query template's
`{{ .inputs.x }}` are replaced by the inputs, and the result is a `FlyteSchema` (the one given as
`output_schema_type`, which names the expected columns) holding the rows as a pandas DataFrame.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from typing import Any, Optional

from ...core.base_sql_task import SQLTask
from ...types.schema import FlyteSchema


@dataclass
class SQLite3Config:
    """Where the database file is (`uri`) and whether it comes packed in an archive (zip, tar,
    gztar, bztar, xztar) that holds only that file."""

    uri: str
    compressed: bool = False


def _unpacked(archive: str, into: str) -> str:
    """The one file an archive holds, unpacked under `into`."""
    target = os.path.join(into, "unpacked")
    shutil.unpack_archive(archive, target)
    found = os.listdir(target)
    if len(found) != 1:
        raise RuntimeError(f"The archive {archive} must hold exactly one file (the database); it holds {sorted(found)}")
    return os.path.join(target, found[0])


class SQLite3Task(SQLTask):
    """Runs `query_template` against the SQLite database of `task_config` when called."""

    def __init__(self, name: str, query_template: str, inputs: Optional[dict[str, type]] = None,
                 task_config: Optional[SQLite3Config] = None, output_schema_type: Optional[type] = None,
                 container_image: Optional[str] = None, **kwargs: Any):
        if task_config is None or not task_config.uri:
            raise ValueError(f"SQLite3Task {name!r} needs task_config=SQLite3Config(uri=...) naming the database file")
        self._output_schema_type: Any = output_schema_type
        super().__init__(name, query_template, task_config=task_config, task_type="sqlite",
                         inputs=inputs, outputs={"results": output_schema_type or FlyteSchema}, **kwargs)
        self._container_image = container_image

    def _run_sql(self, values: dict[str, Any]) -> Any:
        """Fetches the database file (unpacking it), runs the query, returns the rows as a DataFrame."""
        import pandas as pd

        from ...core.context_manager import FlyteContextManager

        config: SQLite3Config = self.task_config
        query = self.get_query(**values)
        with tempfile.TemporaryDirectory(prefix="flyte-sqlite3") as scratch:
            local = os.path.join(scratch, os.path.basename(config.uri.rstrip("/")) or "database")
            FlyteContextManager.current_context().file_access.get_data(config.uri, local)
            if config.compressed:
                local = _unpacked(local, scratch)
            with contextlib.closing(sqlite3.connect(local)) as connection:
                return pd.read_sql_query(query, connection)

    @property
    def output_columns(self) -> Optional[list[str]]:
        """The names of the columns `output_schema_type` declares (None when no schema type was given)."""
        if self._output_schema_type is None:
            return None
        return list(self._output_schema_type.columns())


__all__ = ["SQLite3Config", "SQLite3Task"]
