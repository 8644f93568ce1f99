"""The local artifact store: what a Flyte backend's artifact service keeps, kept on this machine.

Every output annotated with an Artifact is recorded when its task succeeds: the artifact's name
(and project/domain when set), its partition values and time partition, the run that made it,
and the value itself (cloudpickled; a file or directory is recorded by its path). A query picks
the newest artifact whose name and bound partitions match.

The store is one SQLite database, `$FLYTE_HOME/flytekit-artifacts.db` (default `~/.flyte`), in
WAL mode. A recording is one transaction: when `record` returns the artifact is durable, and a
crash before that leaves no partial row.
"""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Optional

import cloudpickle

_SCHEMA = """
CREATE TABLE IF NOT EXISTS artifacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    project TEXT,
    domain TEXT,
    version TEXT NOT NULL,
    partitions TEXT NOT NULL,
    time_partition TEXT,
    created REAL NOT NULL,
    source TEXT NOT NULL,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS artifacts_by_name ON artifacts (name, seq);
"""

_GRANULARITY_FORMATS = {1: "%Y-%m-%dT%H:%M", 2: "%Y-%m-%dT%H", 3: "%Y-%m-%d", 4: "%Y-%m"}


class ArtifactNotFound(LookupError):
    """No artifact in the local store matches a query."""


def _home() -> Path:
    return Path(os.environ.get("FLYTE_HOME") or Path.home() / ".flyte")


def _bucket(t: Optional[datetime.datetime], granularity: Optional[int]) -> Optional[str]:
    if t is None:
        return None
    return t.strftime(_GRANULARITY_FORMATS.get(granularity or 3, "%Y-%m-%d"))


class ArtifactStore:
    _lock = threading.Lock()
    _instances: dict[str, ArtifactStore] = {}

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def default(cls) -> ArtifactStore:
        """The store under the current `$FLYTE_HOME` (one object per path in this process)."""
        path = _home() / "flytekit-artifacts.db"
        key = str(path)
        with cls._lock:
            store = cls._instances.get(key)
            if store is None:
                store = cls._instances[key] = cls(path)
        return store

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def record(self, name: str, value: Any, *, project: Optional[str] = None, domain: Optional[str] = None,
               partitions: Optional[dict[str, str]] = None, time_partition: Optional[datetime.datetime] = None,
               granularity: Optional[int] = None, source: str = "") -> str:
        """Adds an artifact; returns its version. Durable when this returns."""
        blob = cloudpickle.dumps(value)
        version = f"{source or 'local'}/{time.time_ns()}"
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO artifacts (name, project, domain, version, partitions, time_partition, created, source, value)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, project, domain, version, json.dumps(partitions or {}, sort_keys=True),
                 _bucket(time_partition, granularity), time.time(), source, blob),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return version

    def find(self, name: str, *, project: Optional[str] = None, domain: Optional[str] = None,
             partitions: Optional[dict[str, str]] = None, time_partition: Optional[datetime.datetime] = None,
             granularity: Optional[int] = None) -> Optional[tuple[str, Any]]:
        """(version, value) of the newest artifact with this name and these partition values."""
        sql = "SELECT version, partitions, value FROM artifacts WHERE name = ?"
        args: list[Any] = [name]
        for column, value in (("project", project), ("domain", domain)):
            if value:
                sql += f" AND {column} = ?"
                args.append(value)
        if time_partition is not None:
            sql += " AND time_partition = ?"
            args.append(_bucket(time_partition, granularity))
        sql += " ORDER BY seq DESC"
        db = self._connect()
        try:
            for version, stored, blob in db.execute(sql, args):
                have = json.loads(stored)
                if all(have.get(k) == v for k, v in (partitions or {}).items()):
                    return version, cloudpickle.loads(blob)
        finally:
            db.close()
        return None

    def resolve(self, query: Any, inputs: dict[str, Any]) -> Any:
        """The value of the newest artifact matching an ArtifactQuery; `Inputs.x` bindings take
        the value of input `x`. ArtifactNotFound names the query when nothing matches."""
        from .models.artifact_id import has_field, time_of

        partitions: dict[str, str] = {}
        if query.partitions and query.partitions.partitions:
            for k, p in query.partitions.partitions.items():
                if p.value is None:
                    continue
                if has_field(p.value, "static_value"):
                    partitions[k] = p.value.static_value
                elif has_field(p.value, "input_binding"):
                    var = p.value.input_binding.var
                    if var not in inputs:
                        raise ArtifactNotFound(f"Query {query.get_str(**{var: None})} binds partition {k} to input "
                                               f"{var!r}, which was not given")
                    partitions[k] = str(inputs[var])
        when = None
        tp = query.time_partition
        if tp is not None and tp.value is not None:
            if has_field(tp.value, "time_value"):
                when = time_of(tp.value)
            elif has_field(tp.value, "input_binding"):
                when = inputs.get(tp.value.input_binding.var)
            if when is not None and tp.other is not None:
                when = when + tp.other if tp.op == 1 else when - tp.other
        found = self.find(query.name, project=query.project, domain=query.domain, partitions=partitions,
                          time_partition=when, granularity=getattr(tp, "granularity", None))
        if found is None:
            where = ", ".join(f"{k}={v}" for k, v in partitions.items())
            raise ArtifactNotFound(
                f"No artifact '{query.name}'{f' with {where}' if where else ''}"
                f"{f' for time {when}' if when is not None else ''} in the local artifact store {self.path}: run a "
                "task that outputs it first"
            )
        return found[1]


__all__ = ["ArtifactNotFound", "ArtifactStore"]


# -- recording a task's artifact outputs ------------------------------------------------------------------


def start_tracking() -> Any:
    """Begins collecting `create_from` metadata for the running task body; returns what
    `record_outputs` needs."""
    from .core.artifact import _KEEP_ALIVE, _OUTPUT_METADATA

    tracker: dict[int, Any] = {}
    return tracker, _OUTPUT_METADATA.set(tracker), _KEEP_ALIVE.set([])


def _by_name(interface: Any, value: Any) -> dict[str, Any]:
    names = interface.output_names
    if len(names) == 1 and interface.output_tuple is None:
        return {names[0]: value}
    return dict(zip(names, tuple(value)))


def record_outputs(task_name: str, interface: Any, inputs: dict[str, Any], raw: Any, finished: Any,
                   tracking: Any) -> None:
    """Records each artifact output of a finished task: partition values from the binding (a
    string, an input) or from `create_from`, and the time partition likewise."""
    from .core.artifact import _KEEP_ALIVE, _OUTPUT_METADATA, Artifact
    from .models.artifact_id import has_field, time_of

    tracker, token, keep_token = tracking
    _OUTPUT_METADATA.reset(token)
    _KEEP_ALIVE.reset(keep_token)
    raws, values = _by_name(interface, raw), _by_name(interface, finished)
    source = _run_source(task_name)
    for name, spec in interface.artifact_outputs.items():
        artifact = spec if isinstance(spec, Artifact) else spec.artifact
        spec = spec() if isinstance(spec, Artifact) else spec
        meta = tracker.get(id(raws.get(name)))
        dynamic = (meta.dynamic_partitions or {}) if meta is not None else {}
        partitions: dict[str, str] = {}
        for key, p in ((spec.partitions.partitions if spec.partitions else {}) or {}).items():
            value = p.value
            if value is not None and has_field(value, "static_value"):
                partitions[key] = value.static_value
            elif value is not None and has_field(value, "input_binding"):
                partitions[key] = str(inputs.get(value.input_binding.var))
            elif key in dynamic:
                partitions[key] = dynamic[key]
        when = None
        tp = spec.time_partition
        if tp is not None and tp.value is not None:
            if has_field(tp.value, "time_value"):
                when = time_of(tp.value)
            elif has_field(tp.value, "input_binding"):
                when = inputs.get(tp.value.input_binding.var)
        if meta is not None and meta.time_partition is not None:
            when = meta.time_partition
        ArtifactStore.default().record(
            artifact.name, values[name], project=artifact.project, domain=artifact.domain, partitions=partitions,
            time_partition=when, granularity=artifact.time_partition_granularity, source=f"{source}/{name}",
        )


def _run_source(task_name: str) -> str:
    from ._context import current_context

    try:
        return f"{current_context().execution_id.name}/{task_name}"
    except Exception:
        return task_name
