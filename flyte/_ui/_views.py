"""What the pages show, read from the store: plain objects the templates render (and escape).

Nothing here decodes a value by running its code: values are described (`flyte._serde.describe`)
and rendered by type. A run of any size costs a few aggregate reads: its tree is built from the
store's fan-out aggregates a level at a time, and the members of a large fan-out a page at a time.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .._serde import Bytes, IORecord, Pickled, Tuple, Undecodable, describe
from .._show import MARKS, counts_text, duration, error_line, phase_of, user_traceback, when
from .._store import ActionCounts, ActionGroup, ActionRecord, MetadataStore, RunRecord

FOLD = 10  # a fan-out with more members than this is one row, with its members a page at a time
MEMBER_PAGE = 50
RUNS_PAGE = 100
PHASES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "QUEUED")
COUNTED_PHASES = ("SUCCEEDED", "RUNNING", "QUEUED", "FAILED", "TIMED_OUT", "ABORTED")  # the order counts are shown in


def symbol(phase: str) -> str:
    return MARKS.get(str(phase), ("?", ""))[0]


@dataclass
class RunRow:
    name: str
    task: str
    phase: str
    start: Optional[float]
    end: Optional[float]
    counts: ActionCounts
    error: str

    @property
    def running(self) -> bool:
        return self.phase == "RUNNING"

    @property
    def started(self) -> str:
        return when(self.start)

    @property
    def took(self) -> str:
        return duration(self.start, self.end, time.time())

    @property
    def counts_text(self) -> str:
        return counts_text(self.counts, markup=False)

    @property
    def count_cells(self) -> list[tuple[str, str, str]]:
        """(css name, mark, count) of each phase with actions in it, and of the cache hits: the page's row shows
        only these, and builds them without a template macro per phase (a page of 100 runs renders in ~1/4 the time)."""
        c = self.counts
        cells = [(p.lower(), symbol(p), f"{c.of(p):,}") for p in COUNTED_PHASES if c.of(p)]
        if c.cache_hits:
            cells.append(("hits", "$", f"{c.cache_hits:,}"))
        return cells


def run_rows(store: MetadataStore, phases: Optional[list[str]], task: Optional[str], name: Optional[str],
             before: Optional[float], limit: int = RUNS_PAGE) -> tuple[list[RunRow], Optional[float]]:
    """A page of runs, newest first, and where the next page starts (None: this is the last)."""
    runs = store.list_runs(limit + 1, task=task or None, phases=phases or None, name=name or None, before=before)
    more = len(runs) > limit
    runs = runs[:limit]
    counts = store.run_counts([r.name for r in runs])
    rows = [RunRow(r.name, r.task, str(r.phase), r.start_time, r.end_time, counts.get(r.name, ActionCounts()),
                   error_line(r.error, r.error_code) if r.error else "") for r in runs]
    return rows, (runs[-1].start_time if more and runs else None)


@dataclass
class Node:
    """One row of a run's tree: an action, or a fan-out folded into one row."""

    run: str
    id: str  # the action's id; for a fan-out, its key (see fanout_key)
    parent: Optional[str]
    short_name: str
    task: str
    group: Optional[str]
    kind: str
    phase: str
    counts: ActionCounts
    attempts: int
    start: Optional[float]
    end: Optional[float]
    cache_hit: bool = False
    error: str = ""
    fanout: bool = False
    has_children: bool = False

    @property
    def n(self) -> int:
        return self.counts.total

    @property
    def took(self) -> str:
        return duration(self.start, self.end, time.time())

    @property
    def counts_text(self) -> str:
        return counts_text(self.counts, markup=False)

    @property
    def renamed(self) -> bool:
        """Its short name is not its function's name (`override(short_name=...)`)."""
        return self.short_name != self.task.rsplit(".", 1)[-1]


def fanout_key(g: Any) -> str:
    """A fan-out's identity in URLs: its parent, group, task, short name and kind."""
    return json.dumps([g.parent or "", g.group_name or "", g.task, g.short_name, str(g.kind)], separators=(",", ":"))


def parse_fanout_key(key: str) -> tuple[str, str, str, str, str]:
    try:
        parent, group, task, short, kind = json.loads(key)
        return str(parent), str(group), str(task), str(short), str(kind)
    except (ValueError, TypeError):
        raise ValueError("not a fan-out key") from None


def _action_node(a: ActionRecord) -> Node:
    phase = str(a.phase)
    return Node(a.run, a.id, a.parent, a.short_name, a.task, a.group_name, str(a.kind), phase,
                ActionCounts(**{phase.lower(): 1}), a.attempts or 0, a.start_time, a.end_time,
                cache_hit=a.cache_status == "hit", error=error_line(a.error, a.error_code) if a.error else "")


def _group_node(g: ActionGroup) -> Node:
    phase = phase_of(g.counts)
    if g.counts.total == 1:
        return Node(g.run, g.first_id, g.parent, g.short_name, g.task, g.group_name, str(g.kind), phase, g.counts,
                    g.attempts, g.first_start, g.last_end if not g.counts.running else None,
                    cache_hit=bool(g.counts.cache_hits))
    return Node(g.run, fanout_key(g), g.parent, g.short_name, g.task, g.group_name, str(g.kind), phase, g.counts,
                g.attempts, g.first_start, g.last_end if not (g.counts.running or g.counts.queued) else None,
                fanout=True)


@dataclass
class Branch:
    """The children of one action, in the order they started: rows, and `flyte.group` branches."""

    group: Optional[str]
    nodes: list[Node] = field(default_factory=list)


def children(store: MetadataStore, run: str, parent: Optional[str]) -> list[Branch]:
    """The rows under `parent` (None: the run's root), grouped by `flyte.group`: a fan-out of up
    to FOLD members is listed member by member, a larger one is one row."""
    groups = store.action_groups(run, parents=[parent])
    out: list[Branch] = []
    by_group: dict[Optional[str], Branch] = {}
    for g in groups:
        branch = by_group.get(g.group_name)
        if branch is None:
            branch = by_group[g.group_name] = Branch(g.group_name)
            out.append(branch)
        if 1 < g.counts.total <= FOLD:
            members = store.list_actions(run, parent=g.parent or None, task=g.task, short_name=g.short_name,
                                         group_name=g.group_name or "", limit=FOLD).actions
            branch.nodes.extend(_action_node(a) for a in members if str(a.kind) == str(g.kind))
        else:
            branch.nodes.append(_group_node(g))
    _mark_parents(store, run, [n for b in out for n in b.nodes])
    return out


def members(store: MetadataStore, run: str, key: str, after: Optional[str], phases: Optional[list[str]],
            limit: int = MEMBER_PAGE) -> tuple[list[Node], Optional[str]]:
    """A page of a fan-out's members (optionally only those in `phases`)."""
    parent, group, task, short, kind = parse_fanout_key(key)
    page = store.list_actions(run, parent=parent or None, task=task, short_name=short, group_name=group,
                              phases=phases or None, after=after, limit=limit)
    nodes = [_action_node(a) for a in page.actions if str(a.kind) == kind]
    _mark_parents(store, run, nodes)
    return nodes, page.next_token


def _mark_parents(store: MetadataStore, run: str, nodes: list[Node]) -> None:
    ids = [n.id for n in nodes if not n.fanout]
    if not ids:
        return
    having = {g.parent for g in store.action_groups(run, parents=ids)}
    for n in nodes:
        n.has_children = not n.fanout and n.id in having


def root(store: MetadataStore, run: str) -> list[Branch]:
    return children(store, run, None)


def failing_action(store: MetadataStore, run: str) -> Optional[ActionRecord]:
    failed = store.list_actions(run, phases=("FAILED", "TIMED_OUT"), limit=2000).actions
    parents = {a.parent for a in failed}
    origins = [a for a in failed if a.id not in parents]
    return origins[0] if origins else (failed[0] if failed else None)


def find_actions(store: MetadataStore, run: str, query: str, limit: int = 50) -> list[Node]:
    """Actions of `run` whose id or short name is `query`."""
    found = []
    exact = store.get_action(run, query)
    if exact is not None:
        found.append(_action_node(exact))
    found.extend(_action_node(a) for a in store.list_actions(run, short_name=query, limit=limit).actions
                 if exact is None or a.id != exact.id)
    return found


# -- values ------------------------------------------------------------------------------------------


@dataclass
class Value:
    """A value rendered by type: `kind` picks the template's rendering."""

    kind: str  # "json", "text", "pickled", "file", "dir", "dataframe", "record", "bytes", "missing", "error"
    text: str = ""
    type_name: str = ""
    path: Optional[str] = None
    index: Optional[int] = None  # which of the action's files (for its download link)
    preview: Optional[str] = None
    items: list = field(default_factory=list)  # for a directory: its first entries


def _plain(value: Any) -> Any:
    """A described value as plain JSON-able data (descriptions as strings)."""
    if isinstance(value, (Pickled, Undecodable)):
        return f"<{value}>" if isinstance(value, Pickled) else f"<{value.reason}>"
    if isinstance(value, IORecord):
        return f"<{value.type_name} {value.record.get('path') or value.record.get('uri') or ''}>" \
            if isinstance(value.record, dict) else f"<{value.type_name}>"
    if isinstance(value, Bytes):
        return f"<{value.size:,} bytes>"
    if isinstance(value, Tuple):
        return [_plain(v) for v in value.items]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class FileIndex:
    """The local files and directories an action's values name, numbered for download links."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def add(self, path: str) -> int:
        self.paths.append(path)
        return len(self.paths) - 1


def render_value(value: Any, files: FileIndex) -> Value:
    if isinstance(value, Pickled):
        return Value("pickled", text=str(value), type_name=value.kind, preview=value.preview)
    if isinstance(value, Undecodable):
        return Value("error", text=value.reason)
    if isinstance(value, Bytes):
        return Value("bytes", text=f"{value.size:,} bytes", preview=value.head.hex(" "))
    if isinstance(value, IORecord):
        return _render_io(value, files)
    if isinstance(value, str):
        return Value("text", text=value)
    return Value("json", text=json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str))


def _local(path: Any) -> Optional[str]:
    if not isinstance(path, str) or not path:
        return None
    if path.startswith("file://"):
        path = path[len("file://"):]
    return path if "://" not in path else None


def _render_io(value: IORecord, files: FileIndex) -> Value:
    record = value.record if isinstance(value.record, dict) else {}
    name = value.type_name
    path = record.get("path") or record.get("uri")
    local = _local(path)
    kind = "dataframe" if name == "DataFrame" else ("dir" if name == "Dir" else ("file" if name == "File" else "record"))
    out = Value(kind, text=str(path or ""), type_name=f"{value.key}", path=str(path) if path else None)
    if kind == "record":
        out.text = json.dumps(_plain(record), indent=2, default=str)
        return out
    if local is None:
        return out
    p = Path(local)
    if p.exists():
        out.index = files.add(local)
        if kind == "file" and p.is_file():
            out.preview = text_preview(p)
        elif p.is_dir():
            out.items = sorted(x.name + ("/" if x.is_dir() else "") for x in _first(p.iterdir(), 200))
            if kind == "dataframe":
                out.preview = frame_preview(p, record.get("format"))
        elif kind == "dataframe":
            out.preview = frame_preview(p, record.get("format"))
    return out


def _first(it: Any, n: int) -> list:
    out: list = []
    for x in it:
        if len(out) == n:
            break
        out.append(x)
    return out


def text_preview(path: Path, limit: int = 4096) -> Optional[str]:
    """The start of a text file (None for binary files)."""
    try:
        with open(path, "rb") as f:
            head = f.read(limit + 1)
    except OSError:
        return None
    if b"\x00" in head[:1024]:
        return None
    text = head[:limit].decode("utf-8", "replace")
    return text + ("\n…" if len(head) > limit else "")


def frame_preview(path: Path, fmt: Any, rows: int = 20) -> Optional[str]:
    """The first rows of a dataframe on disk, when pandas can read it here."""
    try:
        import pandas as pd
    except ImportError:
        return None
    try:
        if str(fmt).lower() == "csv" or path.suffix == ".csv":
            frame = pd.read_csv(path, nrows=rows)
        else:
            frame = _parquet_head(path, rows)
        return frame.to_string(max_cols=20, max_colwidth=40)
    except Exception:
        return None


def _parquet_head(path: Path, rows: int) -> Any:
    """The first rows only: a page must not read a gigabyte frame to show twenty of its rows."""
    import pyarrow.parquet as pq

    if path.is_dir():  # a dataset: its first file
        parts = sorted(path.glob("*.parquet")) or sorted(p for p in path.iterdir() if p.is_file())
        if not parts:
            return None
        path = parts[0]
    source = pq.ParquetFile(path)
    batch = next(source.iter_batches(batch_size=rows), None)
    return (batch if batch is not None else source.schema_arrow.empty_table()).to_pandas()


@dataclass
class Named:
    name: str
    value: Value


def values_of(store: MetadataStore, data: Optional[bytes], files: FileIndex, kind: str = "inputs") -> list[Named]:
    """Values by name: an action's inputs (a dict by parameter), its outputs (one value, or a
    tuple of them: o0, o1, ...) or a run's outputs ([values, names])."""
    if data is None:
        return []
    described = describe(data, store.load_blob)
    if kind == "run_outputs" and isinstance(described, list) and len(described) == 2 \
            and isinstance(described[0], list) and isinstance(described[1], list):
        return [Named(str(n), render_value(v, files)) for n, v in zip(described[1], described[0])]
    if kind == "inputs" and isinstance(described, dict):
        return [Named(str(k), render_value(v, files)) for k, v in described.items()]
    if isinstance(described, Tuple):
        return [Named(f"o{i}", render_value(v, files)) for i, v in enumerate(described.items)]
    return [Named("o0", render_value(described, files))]


@dataclass
class ActionView:
    record: ActionRecord
    inputs: list[Named]
    outputs: list[Named]
    files: list[str]
    attempts: list[Any]
    log_attempts: list[int]
    has_report: bool
    traceback: str
    full_traceback: str
    parent: Optional[ActionRecord]

    @property
    def took(self) -> str:
        return duration(self.record.start_time, self.record.end_time, time.time())

    @property
    def started(self) -> str:
        return when(self.record.start_time)


def action_view(store: MetadataStore, run: str, aid: str) -> Optional[ActionView]:
    a = store.get_action(run, aid)
    if a is None:
        return None
    files = FileIndex()
    inputs = values_of(store, a.inputs, files)
    outputs = values_of(store, a.outputs, files, "outputs") if a.outputs is not None else []
    parent = store.get_action(run, a.parent) if a.parent else None
    return ActionView(a, inputs, outputs, files.paths, store.list_attempts(run, aid), store.log_attempts(run, aid),
                      store.get_report(run, aid) is not None, user_traceback(a.error or "", hint=""), a.error or "", parent)


def action_files(store: MetadataStore, run: str, aid: str) -> list[str]:
    """The local paths an action's values name (what its download links may serve)."""
    view = action_view(store, run, aid)
    return view.files if view is not None else []


def safe_to_serve(path: str) -> bool:
    p = Path(path)
    return p.exists() and os.access(p, os.R_OK)


@dataclass
class RunView:
    record: RunRecord
    counts: ActionCounts
    inputs: list[Named]
    outputs: list[Named]
    failed: Optional[ActionRecord]
    traceback: str

    @property
    def took(self) -> str:
        return duration(self.record.start_time, self.record.end_time, time.time())

    @property
    def started(self) -> str:
        return when(self.record.start_time)

    @property
    def running(self) -> bool:
        return str(self.record.phase) == "RUNNING"


def run_view(store: MetadataStore, name: str) -> Optional[RunView]:
    r = store.get_run(name)
    if r is None:
        return None
    counts = store.run_counts([name]).get(name, ActionCounts())
    files = FileIndex()
    failed = failing_action(store, name) if str(r.phase) in ("FAILED", "TIMED_OUT", "ABORTED") else None
    text = (failed.error if failed is not None and failed.error else r.error) or ""
    return RunView(r, counts, values_of(store, r.inputs, files), values_of(store, r.outputs, files, "run_outputs"),
                   failed, user_traceback(text, hint=""))
