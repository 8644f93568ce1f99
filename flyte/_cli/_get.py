"""`flyte get runs|run|actions|action|io|logs`: what the local store recorded, in every output format.

Runs and actions are read through the store's read API a page at a time, and a run's shape comes
from its fan-out aggregates, so the first page of a run of 100,000 actions is as quick as one of
ten. Values are shown decoded (`table`) or described without running their code (`json`, see
`flyte._serde.describe`); failed actions show their error, and their traceback where asked.
"""

from __future__ import annotations

import functools
import sys
import time
from typing import Any, NamedTuple, Optional

import click

from .._show import CACHE_MARK, counts_text, duration, error_line, iso, line_time, mark, user_traceback, when
from ._format import Column, console, emit_json, emit_table, fail, output_format, show, warn

FOLD = 10  # a fan-out with more members than this is shown as one line in the action tree
FAILED_PHASES = ("FAILED", "TIMED_OUT")
# The SDK's phases; a local action is never waiting_for_resources, initializing, paused or
# recovered, so those select nothing.
PHASE_CHOICES = ["queued", "waiting_for_resources", "initializing", "running", "paused", "succeeded", "failed",
                 "aborted", "timed_out", "recovered"]


def _store() -> Any:
    """The store of `flyte.init(local_home=...)` when this process called it, else the default
    home's. Reading a store does not import the runtime (`flyte._run` and all it loads), which is
    most of a `flyte get` command's time: when it was never imported, nothing configured a home."""
    runtime = sys.modules.get("flyte._run")
    if runtime is not None:
        return runtime.current_store()
    from .._store import open_store

    return open_store()


def _verbose() -> int:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get("verbose", 0) if isinstance(obj, dict) else 0


def _phases(values: tuple) -> Optional[list[str]]:
    return [v.upper() for v in values] or None


def _describe_json(store: Any, data: Optional[bytes]) -> Any:
    from .._serde import describe, to_json

    return to_json(describe(data, store.load_blob))


def _decoded(store: Any, data: Optional[bytes]) -> str:
    """A value decoded as the program would see it (`repr`), or described when it cannot be
    decoded here (a class from a module this process cannot import)."""
    from .._serde import Codec

    if data is None:
        return "-"
    try:
        return repr(Codec(blob_loader=store.load_blob).unpack(data))
    except Exception:
        from .._serde import describe

        return repr(describe(data, store.load_blob))


def _named_outputs(value: Any) -> Any:
    """A run's stored outputs ([values, names]) as {name: value}."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], list) and isinstance(value[1], list) \
            and len(value[0]) == len(value[1]) and all(isinstance(n, str) for n in value[1]):
        return dict(zip(value[1], value[0]))
    return value


def _run_outputs_text(store: Any, data: Optional[bytes]) -> str:
    from .._serde import Codec

    try:
        value = _named_outputs(Codec(blob_loader=store.load_blob).unpack(data)) if data is not None else None
    except Exception:
        return _decoded(store, data)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v!r}" for k, v in value.items())
    return repr(value)


# -- runs ----------------------------------------------------------------------------------------


def run_labels(r: Any) -> dict[str, str]:
    """The labels a run was started with (`flyte run --label`, `with_runcontext(labels=...)`)."""
    from .._run_spec import record_spec

    return dict(record_spec(r).labels)


def _run_images(r: Any) -> dict[str, str]:
    """The images `flyte run --image` named for the run (recorded; a local run uses none)."""
    from .._run_spec import record_spec

    return dict(record_spec(r).images)


def _run_json(r: Any, counts: Any) -> dict:
    return {
        "name": r.name, "task": r.task, "phase": str(r.phase), "start_time": iso(r.start_time), "end_time": iso(r.end_time),
        "duration_s": round(r.end_time - r.start_time, 6) if r.start_time and r.end_time else None,
        "error_code": r.error_code, "error": error_line(r.error, r.error_code) if r.error else None,
        "actions": counts._asdict() | {"total": counts.total} if counts is not None else None,
        "labels": run_labels(r),
    }


class RunFilters(NamedTuple):
    """The SDK's filters of `flyte get run` beyond phase and task (times are epoch seconds)."""

    created_after: Optional[float] = None
    created_before: Optional[float] = None
    updated_after: Optional[float] = None
    updated_before: Optional[float] = None
    paused_only: bool = False
    labels: tuple[tuple[str, str], ...] = ()  # --with-label KEY=VALUE: all of them
    label_keys: tuple[str, ...] = ()  # --with-label-key KEY: all of them present

    @property
    def scans(self) -> bool:
        """Whether runs are read a page at a time and filtered here (the store's query cannot
        select by update time or label)."""
        return self.updated_after is not None or self.updated_before is not None or bool(self.labels) \
            or bool(self.label_keys)

    def passes(self, r: Any) -> bool:
        lo, hi = self.updated_after, self.updated_before
        if (lo is not None and _updated(r) < lo) or (hi is not None and _updated(r) >= hi):
            return False
        if self.labels or self.label_keys:
            labels = run_labels(r)
            return all(labels.get(k) == v for k, v in self.labels) and all(k in labels for k in self.label_keys)
        return True


def _updated(r: Any) -> float:
    """When a run last changed, as far as its record says: its end, or now while it runs."""
    return r.end_time if r.end_time is not None else time.time()


def _select_runs(store: Any, limit: int, phases: Optional[list[str]], task_name: Optional[str], name: Optional[str],
                 filters: RunFilters) -> list[Any]:
    """The newest `limit` runs that pass the filters; by update time or label, older runs are read
    a page at a time until `limit` pass (a run that started long ago may have ended within the window)."""
    if filters.paused_only:
        return []  # a local condition waits in its run's own process and is not recorded as paused
    before = filters.created_before
    if filters.updated_before is not None:  # a run changes no earlier than it starts
        before = filters.updated_before if before is None else min(before, filters.updated_before)
    if not filters.scans:
        return store.list_runs(limit, task=task_name, phases=phases, name=name, since=filters.created_after,
                               before=before)
    out: list[Any] = []
    page = max(limit, 100)
    while len(out) < limit:
        runs = store.list_runs(page, task=task_name, phases=phases, name=name, since=filters.created_after,
                               before=before)
        out.extend(r for r in runs if filters.passes(r))
        if len(runs) < page or runs[-1].start_time is None:
            break
        before = runs[-1].start_time
    return out[:limit]


def list_runs(limit: int, in_phase: tuple, task_name: Optional[str], name: Optional[str],
              filters: RunFilters = RunFilters()) -> None:
    store = _store()
    runs = _select_runs(store, limit, _phases(in_phase), task_name, name, filters)
    counts = store.run_counts([r.name for r in runs])
    fmt = output_format()
    if fmt.startswith("json"):
        emit_json([_run_json(r, counts.get(r.name)) for r in runs])
        return
    from .._store import ActionCounts

    none = ActionCounts()
    emit_table(runs, [
        Column("Run", lambda r: r.name, whole=True),
        Column("Task", lambda r: r.task, whole=True),
        Column("Phase", lambda r: f"{mark(r.phase, False)} {r.phase}", lambda r: f"{mark(r.phase)} {r.phase}"),
        Column("Started", lambda r: when(r.start_time)),
        Column("Duration", lambda r: duration(r.start_time, r.end_time, time.time()), justify="right"),
        Column("Actions", lambda r: counts_text(counts.get(r.name, none), markup=False),
               lambda r: counts_text(counts.get(r.name, none))),
        Column("Error", lambda r: error_line(r.error, r.error_code, limit=100) if r.error else ""),
    ], empty=f"No runs in {store.home}")


def failing_action(store: Any, run: str) -> Optional[Any]:
    """Where a failed run failed: the earliest failed action none of whose children failed."""
    failed = store.list_actions(run, phases=FAILED_PHASES, limit=2000).actions
    parents = {a.parent for a in failed}
    origins = [a for a in failed if a.id not in parents]
    return origins[0] if origins else (failed[0] if failed else None)


def show_run(name: str) -> None:
    store = _store()
    r = store.get_run(name)
    if r is None:
        fail(f"No run named {name!r} in {store.home}")
    counts = store.run_counts([name]).get(name)
    origin = failing_action(store, name) if str(r.phase) in FAILED_PHASES or r.error else None
    if output_format().startswith("json"):
        data = _run_json(r, counts)
        data["inputs"] = _describe_json(store, r.inputs)
        data["outputs"] = _named_outputs(_describe_json(store, r.outputs))
        data["error"] = r.error
        data["failed_action"] = _action_json(store, origin, with_values=False) if origin is not None else None
        data["images"] = _run_images(r)
        emit_json(data)
        return
    from rich.markup import escape

    out = []
    out.append(f"{mark(r.phase)} Run [bold]{escape(name)}[/bold]  {r.phase}")
    out.append(f"Task: {escape(r.task)}    Started: {when(r.start_time)}    "
               f"Duration: {duration(r.start_time, r.end_time, time.time()) or '-'}")
    if counts is not None:
        out.append(f"Actions: {counts_text(counts)}  ({counts.total:,})")
    labels = run_labels(r)
    if labels:
        out.append(f"Labels: {escape(', '.join(f'{k}={v}' for k, v in labels.items()))}")
    images = _run_images(r)
    if images:
        out.append(f"Images (recorded, not used locally): {escape(', '.join(f'{k}={v}' for k, v in images.items()))}")
    out.append(f"Inputs: {escape(_decoded(store, r.inputs))}")
    if str(r.phase) == "SUCCEEDED":
        out.append(f"Outputs: {escape(_run_outputs_text(store, r.outputs))}")
    from rich.console import Group

    parts: list[Any] = ["\n".join(out)]
    if r.error or origin is not None:
        parts.extend(_error_block(name, origin, r.error_code, r.error))
    show(Group(*parts))


def _error_block(run: str, origin: Any, code: Optional[str], error: Optional[str], full: Optional[bool] = None) -> list:
    """The lines that say where and why a run (or action) failed, with the traceback."""
    from rich.markup import escape
    from rich.text import Text

    lines: list[Any] = []
    text = origin.error if origin is not None and origin.error else error
    if origin is not None:
        lines.append(f"[red]Failed in[/red] [bold]{escape(origin.short_name)}[/bold] ({escape(origin.id)}, "
                     f"task {escape(origin.task)}): {escape(error_line(origin.error, origin.error_code))}")
        lines.append(f"[dim]Its output: flyte get logs {escape(run)} {escape(origin.id)}[/dim]")
    elif code:
        lines.append(f"[red]Error:[/red] {escape(error_line(error, code))}")
    if text:
        lines.append(Text(user_traceback(text, full=_verbose() > 0 if full is None else full), style="red"))
    return lines


# -- actions -------------------------------------------------------------------------------------


def resolve_action(store: Any, run: str, name: str) -> Any:
    """An action of `run` by id, or by short name when that is unambiguous."""
    rec = store.get_action(run, name)
    if rec is not None:
        return rec
    named = store.list_actions(run, short_name=name, limit=20).actions
    if len(named) == 1:
        return named[0]
    if store.get_run(run) is None:
        fail(f"No run named {run!r} in {store.home}")
    if named:
        ids = ", ".join(a.id for a in named[:5]) + (", ..." if len(named) > 5 else "")
        fail(f"Run {run!r} has {len(named)}{'+' if len(named) == 20 else ''} actions named {name!r} ({ids}): "
             "pass one of their ids")
    fail(f"Run {run!r} has no action {name!r} (an id or a short name)")


def _action_json(store: Any, a: Any, with_values: bool = True) -> dict:
    data = {
        "id": a.id, "parent": a.parent, "task": a.task, "short_name": a.short_name, "group": a.group_name,
        "kind": str(a.kind), "phase": str(a.phase), "attempts": a.attempts, "start_time": iso(a.start_time),
        "end_time": iso(a.end_time), "duration_s": round(a.end_time - a.start_time, 6) if a.end_time else None,
        "cache": a.cache_status, "error_code": a.error_code, "error": a.error,
    }
    if with_values:
        data["inputs"] = _describe_json(store, a.inputs)
        data["outputs"] = _describe_json(store, a.outputs)
    return data


def _action_label(a: Any, now: float) -> str:
    from rich.markup import escape

    cache = f" {CACHE_MARK}" if a.cache_status == "hit" else ""
    group = f" [dim]({escape(a.group_name)})[/dim]" if a.group_name else ""
    tries = f" [dim]x{a.attempts} attempts[/dim]" if (a.attempts or 0) > 1 else ""
    err = f"  [red]{escape(error_line(a.error, a.error_code))}[/red]" if a.error else ""
    return (f"{mark(a.phase)}{cache} {escape(a.short_name)}{group} [dim]{escape(a.id)} "
            f"{duration(a.start_time, a.end_time, now)}[/dim]{tries}{err}")


def list_actions(run: str, in_phase: tuple, limit: int, token: Optional[str], parent: Optional[str],
                 everything: bool) -> None:
    store = _store()
    phases = _phases(in_phase)
    try:
        page = store.list_actions(run, after=token, limit=None if everything else limit, parent=parent, phases=phases)
    except ValueError as e:
        fail(str(e))
    if not page.actions and token is None and store.get_run(run) is None:
        fail(f"No run named {run!r} in {store.home}")
    fmt = output_format()
    if fmt.startswith("json"):
        emit_json({"run": run, "actions": [_action_json(store, a) for a in page.actions], "next_token": page.next_token})
        return
    now = time.time()
    if fmt == "table-simple":
        emit_table(page.actions, [
            Column("Id", lambda a: a.id, whole=True),
            Column("Parent", lambda a: a.parent or "", whole=True),
            Column("Name", lambda a: a.short_name, whole=True),
            Column("Group", lambda a: a.group_name or ""),
            Column("Phase", lambda a: str(a.phase)),
            Column("Attempts", lambda a: a.attempts, justify="right"),
            Column("Cache", lambda a: a.cache_status or ""),
            Column("Started", lambda a: when(a.start_time)),
            Column("Duration", lambda a: duration(a.start_time, a.end_time, now), justify="right"),
            Column("Error", lambda a: error_line(a.error, a.error_code) if a.error else ""),
        ], empty=f"Run {run!r} has no actions{' in those phases' if phases else ''}")
    else:
        show(_tree(store, run, page.actions, fold=not (phases or parent), now=now))
    if page.next_token:
        click.echo(f"… more actions: flyte get actions {run} --token {page.next_token}", err=True)


def _tree(store: Any, run: str, actions: list, fold: bool, now: float) -> Any:
    """A page of a run's actions as a tree; a fan-out of more than FOLD members is one line with
    the counts of all its members (from the store's aggregates), at its first member's place."""
    from rich.markup import escape
    from rich.tree import Tree

    groups = {(g.parent, g.group_name, g.task, g.short_name, g.kind): g for g in store.action_groups(run)} if fold else {}
    counts = store.run_counts([run]).get(run)
    tree = Tree(f"run [bold]{escape(run)}[/bold]  {counts_text(counts) if counts else ''}")
    nodes: dict[str, Any] = {}
    branches: dict[tuple, Any] = {}
    folded: set[str] = set()  # ids of the actions folded into a fan-out line (and their descendants)
    shown_fans: set[tuple] = set()
    hidden = 0
    for a in actions:
        if a.parent in folded:
            folded.add(a.id)
            hidden += 1
            continue
        parent = nodes.get(a.parent) if a.parent else tree
        if parent is None:  # its parent is on an earlier page
            parent = tree.add(f"[dim]under {escape(a.parent)}[/dim]")
            nodes[a.parent] = parent
        if a.group_name:
            bkey = (a.parent, a.group_name)
            branch = branches.get(bkey)
            if branch is None:
                branch = branches[bkey] = parent.add(f"[bold]{escape(a.group_name)}[/bold] [dim](group)[/dim]")
            parent = branch
        key = (a.parent, a.group_name, a.task, a.short_name, str(a.kind))
        fan = groups.get(key)
        if fan is not None and fan.counts.total > FOLD:
            folded.add(a.id)
            if key in shown_fans:
                hidden += 1
                continue
            shown_fans.add(key)
            from .._show import phase_of

            parent.add(f"{mark(phase_of(fan.counts))} {escape(a.short_name)} [bold]x{fan.counts.total:,}[/bold]  "
                       f"{counts_text(fan.counts)}  [dim]{duration(fan.first_start, fan.last_end, now)} "
                       f"(flyte get actions {escape(run)} --parent {escape(a.parent or '')})[/dim]")
            continue
        nodes[a.id] = parent.add(_action_label(a, now))
    if hidden:
        tree.add(f"[dim]({hidden:,} more actions of the fan-outs above on this page)[/dim]")
    return tree


def show_action(run: str, name: str) -> None:
    store = _store()
    a = resolve_action(store, run, name)
    attempts = store.list_attempts(run, a.id)
    log_attempts = store.log_attempts(run, a.id)
    earlier = store.earlier_logs(run, a.id)
    report = store.get_report(run, a.id) is not None
    if output_format().startswith("json"):
        data = _action_json(store, a)
        data["failed_attempts"] = [{"attempt": t.attempt, "error_code": t.error_code, "error": t.error} for t in attempts]
        data["logs"] = log_attempts
        data["earlier_logs"] = [{"execution": p.earlier.execution, "attempt": p.attempt} for p in earlier]
        data["report"] = report
        emit_json(data)
        return
    from rich.console import Group
    from rich.markup import escape

    now = time.time()
    lines = [
        f"{mark(a.phase)} Action [bold]{escape(a.short_name)}[/bold] ({escape(a.id)}) of run {escape(run)}  {a.phase}",
        f"Task: {escape(a.task)}    Kind: {a.kind}    Parent: {escape(a.parent or '-')}"
        + (f"    Group: {escape(a.group_name)}" if a.group_name else ""),
        f"Started: {when(a.start_time)}    Duration: {duration(a.start_time, a.end_time, now) or '-'}    "
        f"Attempts: {a.attempts}" + (f"    Cache: {a.cache_status}" if a.cache_status else ""),
        f"Inputs: {escape(_decoded(store, a.inputs))}",
    ]
    if a.outputs is not None:
        lines.append(f"Outputs: {escape(_decoded(store, a.outputs))}")
    for t in attempts:
        if t.attempt != a.attempts or str(a.phase) == "SUCCEEDED":
            lines.append(f"[yellow]Attempt {t.attempt} failed:[/yellow] {escape(error_line(t.error, t.error_code))}")
    if log_attempts:
        lines.append(f"[dim]Output: flyte get logs {escape(run)} {escape(a.id)}"
                     f"{' (attempts ' + ', '.join(map(str, log_attempts)) + ')' if len(log_attempts) > 1 else ''}[/dim]")
    if earlier:
        runs = len({p.earlier.execution for p in earlier})
        lines.append(f"[dim]It ran {runs} time{'s' if runs > 1 else ''} before its run was resumed; what it wrote then: "
                     f"flyte get logs {escape(run)} {escape(a.id)}[/dim]")
    if report:
        lines.append(f"[dim]Report: {escape(str(store.home / 'runs' / run / a.id / 'report.html'))}[/dim]")
    parts: list[Any] = ["\n".join(lines)]
    if a.error:
        from rich.text import Text

        parts.append(Text(user_traceback(a.error, full=_verbose() > 0), style="red"))
    show(Group(*parts))


def show_io(run: str, action: str, inputs_only: bool, outputs_only: bool) -> None:
    store = _store()
    a = resolve_action(store, run, action)
    fmt = output_format()
    want_in, want_out = not outputs_only, not inputs_only
    if fmt.startswith("json"):
        data: dict = {"run": run, "action": a.id, "phase": str(a.phase)}
        if want_in:
            data["inputs"] = _describe_json(store, a.inputs)
        if want_out:
            data["outputs"] = _describe_json(store, a.outputs)
        if a.error:
            data["error_code"], data["error"] = a.error_code, a.error
        emit_json(data)
        return
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    parts: list[Any] = []
    if want_in:
        parts.append(f"inputs: {escape(_decoded(store, a.inputs))}")
    if want_out:
        parts.append(f"outputs: {escape(_decoded(store, a.outputs)) if a.outputs is not None else '-'}")
    if a.error:
        parts.append(f"[red]error: {escape(error_line(a.error, a.error_code))}[/red]")
        parts.append(Text(user_traceback(a.error, full=_verbose() > 0), style="red"))
    if fmt == "table-simple":
        for p in parts:
            click.echo(p.plain if isinstance(p, Text) else Text.from_markup(p).plain)
        return
    show(Group(*parts))


# -- logs ----------------------------------------------------------------------------------------


_LogLine = tuple  # (time or None, starts a line, [(written by the runtime, text), ...])


def _log_lines(page: Any, continuing: bool, filter_system: bool) -> tuple[list[_LogLine], bool]:
    """Each line of `page` as (when it was written, whether it starts a line, its parts as shown:
    (written by the runtime, text without marks)), without the runtime's parts if
    `filter_system` (a line left with nothing is left out); and whether the page ends inside a
    line the runtime wrote. `continuing`: the page starts inside a line the runtime began."""
    from .._store import split_lines

    out: list[_LogLine] = []
    lines, continuing = split_lines(page.lines(), continuing)
    for k, (t, parts) in enumerate(lines):
        if filter_system:
            parts = [p for p in parts if not p[0]]
            if not parts:
                continue
        out.append((t, k > 0, parts))
    return out, continuing


class _LogPrinter:
    """Prints pages of a log as they come: as written, with each line's time (`show_ts`), or in
    an auto-scrolling box of the last `box_lines` lines (`--pretty`). The runtime's own lines
    are shown dimmed (left out with `filter_system`), as the SDK shows its system lines."""

    def __init__(self, show_ts: bool, pretty: bool, box_lines: int, title: str, filter_system: bool = False):
        self.show_ts = show_ts
        self.filter_system = filter_system
        self.mid_line = False  # the last page ended inside a line: the next one begins with its rest
        self.in_system = False  # ...inside a line the runtime wrote
        self.shown = 0
        self.live: Any = None
        if pretty:
            from collections import deque

            from rich.live import Live

            self.box: Any = deque(maxlen=max(box_lines, 1))
            self.title = title
            self.live = Live(self._render(), console=console(), refresh_per_second=10)
            self.live.start()

    def _render(self) -> Any:
        from rich.panel import Panel
        from rich.text import Text

        text = Text()
        for parts in self.box:
            for system, part in parts:
                text.append(part, style="dim" if system else "")
        text.rstrip()
        return Panel(text, title=self.title, border_style="yellow", title_align="left")

    def lines(self, page: Any, last: Optional[int]) -> list[_LogLine]:
        """The lines of `page` as shown (see `_log_lines`), only the last `last` when given; the
        first starts a line unless the previous page ended inside one."""
        out, self.in_system = _log_lines(page, self.in_system, self.filter_system)
        if out and out[0][1] is False and not self.mid_line:
            out[0] = (out[0][0], True, out[0][2])
        if page.text:
            self.mid_line = not page.text.endswith("\n")
        if last is None:
            return out
        return out[-last:] if last else []

    def page(self, page: Any, last: Optional[int]) -> None:
        from .._store import SYSTEM_MARK

        if not self.show_ts and self.live is None and SYSTEM_MARK not in page.text and not self.in_system:
            text = page.text  # the common case: the body's output only, shown as written
            if last is not None:
                kept = text.splitlines(keepends=True)
                text = "".join(kept[-last:]) if last else ""
            if text:
                self.mid_line = not text.endswith("\n")
            click.echo(text, nl=False)
            return
        lines = self.lines(page, last)
        self.shown += sum(1 for _, starts, _ in lines if starts)
        shown = [[(False, line_time(t) + " "), *parts] if self.show_ts and starts else parts
                 for t, starts, parts in lines]
        if self.live is None:
            click.echo("".join(click.style(part, dim=True) if system else part
                               for parts in shown for system, part in parts), nl=False)
            return
        for (_, starts, _), parts in zip(lines, shown):
            if self.box and not starts:
                self.box[-1] = self.box[-1] + parts
            else:
                self.box.append(parts)
        self.live.update(self._render())

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            click.echo(f"Scrolled {self.shown:,} lines of logs.", err=True)


def show_logs(run: str, action: str, attempt: Optional[int], follow: bool, lines: Optional[int],
              poll: float = 0.5, show_ts: bool = False, pretty: bool = False, filter_system: bool = False) -> None:
    """What an attempt of an action wrote; `filter_system`: without the runtime's own lines."""
    store = _store()
    fmt = output_format()
    if store.get_run(run) is None:
        if not follow:
            fail(f"No run named {run!r} in {store.home}")
        click.echo(f"(waiting for run {run} to start)", err=True)
        while store.get_run(run) is None:
            time.sleep(poll)
    a = _wait_for_action(store, run, action, follow, poll)
    json_out = fmt.startswith("json")
    printer = None if json_out else _LogPrinter(show_ts, pretty, lines if lines is not None else 30,
                                                f"{run}:{a.id} ({a.short_name})", filter_system)
    earlier = _earlier_logs(store, run, a, attempt, lines, pretty, json_out, show_ts, filter_system)
    try:
        _follow_log(store, run, a, attempt, follow, None if pretty and not json_out else lines, poll, fmt, show_ts,
                    printer, earlier, filter_system)
    finally:
        if printer is not None:
            printer.close()


def _follow_log(store: Any, run: str, a: Any, attempt: Optional[int], follow: bool, lines: Optional[int], poll: float,
                fmt: str, show_ts: bool, printer: Optional[_LogPrinter], earlier: Optional[dict] = None,
                filter_system: bool = False) -> None:
    token: Optional[str] = None
    first = True
    in_system = False  # (json) the last page ended inside a line the runtime wrote
    while True:
        page = store.get_log(run, a.id, attempt, after=token)
        if page is None and first and earlier:  # only the earlier execution wrote: said in an empty page
            from .._store import LogPage

            page = LogPage(run, a.id, 1, "", 0, 0, "0")
        if page is not None and (page.text or first):
            last = lines if first else None
            if printer is None:
                shown, in_system = _log_lines(page, in_system, filter_system)
                if last is not None:
                    shown = shown[-last:] if last else []
                text = "".join(part for _, _, parts in shown for _, part in parts)
                data = {"run": run, "action": a.id, "attempt": page.attempt, "text": text, "dropped": page.dropped,
                        "next_token": page.next_token}
                if show_ts:
                    data["lines"] = _json_lines(shown)
                if first and earlier:
                    data.update(earlier)
                emit_json(data, fmt="json-raw" if follow else fmt)
            else:
                if page.dropped:
                    click.echo(f"[… {page.dropped:,} earlier characters were not kept: the store keeps the last "
                               f"{store.log_limit:,} of each attempt]", err=True)
                printer.page(page, last)
            token = page.next_token
            first = False
        if not follow:
            if page is None and first:
                click.echo(f"Action {a.id} ({a.short_name}) wrote nothing"
                           f"{' in attempt ' + str(attempt) if attempt else ''}", err=True)
            return
        current = store.get_action(run, a.id)
        if current is not None and current.phase.is_terminal:
            last_page = store.get_log(run, a.id, attempt, after=token)
            if last_page is None or not last_page.text:
                return
            continue
        time.sleep(poll)


def _json_lines(shown: list[_LogLine]) -> list[dict]:
    """Lines as `_log_lines` gives them, as `-of json --show-ts` shows them."""
    return [{"time": None if t is None else line_time(t)[1:-1], "text": "".join(part for _, part in parts),
             "system": any(system for system, _ in parts)} for t, _, parts in shown]


def _earlier_logs(store: Any, run: str, a: Any, attempt: Optional[int], lines: Optional[int], pretty: bool,
                  json_out: bool, show_ts: bool, filter_system: bool = False) -> Optional[dict]:
    """What the action wrote in executions before its run was resumed (it ran again then): printed
    first, each under a marked heading, when the whole output is asked for (no --attempt, --lines,
    --pretty); else a note says how to see it. As JSON: an "earlier" list for the first page."""
    from .._store import current_heading

    pages = store.earlier_logs(run, a.id) if attempt is None else []
    if not pages:
        return None
    if json_out:
        shown = [_log_lines(p, False, filter_system)[0] for p in pages]
        return {"earlier": [
            {"execution": p.earlier.execution, "attempt": p.attempt, "ended": p.earlier.phase,
             "resumed": iso(p.earlier.resumed), "text": "".join(part for _, _, parts in kept for _, part in parts),
             "dropped": p.dropped} | ({"lines": _json_lines(kept)} if show_ts else {})
            for p, kept in zip(pages, shown)]}
    executions = sorted({p.earlier.execution for p in pages})
    if lines is not None or pretty:
        click.echo(f"[{a.id} also ran before its run was resumed; what it wrote then (execution"
                   f"{'s' if len(executions) > 1 else ''} {', '.join(map(str, executions))}): "
                   f"flyte get logs {run} {a.id}]", err=True)
        return None
    for p in pages:
        e = p.earlier
        assert e is not None
        click.echo(e.heading(f"{a.id} ({a.short_name})", p.attempt))
        if p.dropped:
            click.echo(f"[… {p.dropped:,} earlier characters were not kept: the earlier executions of an action keep "
                       f"the last {store.log_limit:,} together]", err=True)
        _LogPrinter(show_ts, False, 0, "", filter_system).page(p, None)
        if p.text and not p.text.endswith("\n"):
            click.echo("")
    click.echo(current_heading(f"{a.id} ({a.short_name})"))
    return None


def _wait_for_action(store: Any, run: str, action: str, follow: bool, poll: float) -> Any:
    """The action (by id or short name); when following a run that has not started it yet, wait."""
    while True:
        rec = store.get_action(run, action)
        if rec is None:
            named = store.list_actions(run, short_name=action, limit=2).actions
            if len(named) == 1:
                rec = named[0]
        if rec is not None or not follow:
            return rec if rec is not None else resolve_action(store, run, action)
        r = store.get_run(run)
        if r is not None and r.phase.is_terminal:
            return resolve_action(store, run, action)
        time.sleep(poll)


# -- the commands --------------------------------------------------------------------------------


@click.group("get")
def get() -> None:
    """Show runs, actions, values and logs from the local store (-of json|table|table-simple)."""


def _sdk_scope(f: Any) -> Any:
    """The SDK's -p/--project and -d/--domain, accepted so that scripts written for it run here;
    the local store has a single scope, which a warning says when either is given."""

    @functools.wraps(f)
    def command(*args: Any, project: Optional[str] = None, domain: Optional[str] = None, **kwargs: Any) -> Any:
        given = [flag for flag, value in (("--project", project), ("--domain", domain)) if value is not None]
        if given:
            two = len(given) > 1
            warn(f"{' and '.join(given)} {'choose' if two else 'chooses'} a backend's "
                 f"{'project and domain' if two else given[0][2:]}; the local store at {_store().home} keeps every "
                 f"run in one scope, so {'they select' if two else 'it selects'} nothing here")
        return f(*args, **kwargs)

    command = click.option("-d", "--domain", default=None, help="Accepted for compatibility: one local scope.")(command)
    return click.option("-p", "--project", default=None, help="Accepted for compatibility: one local scope.")(command)


_in_phase = click.option("--in-phase", multiple=True, type=click.Choice(PHASE_CHOICES, case_sensitive=False),
                         help="Only these phases (repeat for several; a local action is never "
                              "waiting_for_resources, initializing, paused or recovered).")


class When(click.ParamType):
    """A moment as the SDK's `flyte get run` takes it: an ISO 8601 date or time (UTC unless it
    says otherwise), `now` or `today` (midnight UTC), optionally `- DURATION` or `+ DURATION`,
    where DURATION is ISO 8601 (`P1D`, `PT2H30M`) or words (`1 day`, `3 hours`, `90 minutes`)."""

    name = "when"
    _UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
              "d": 86400, "day": 86400, "w": 604800, "week": 604800}

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        if isinstance(value, float):
            return value
        import re
        from datetime import datetime, timezone

        text = str(value).strip()
        shift = 0.0
        parts = re.fullmatch(r"(.+?)\s+([-+])\s+(.+)", text)
        if parts:
            text = parts.group(1)
            seconds = self._duration(parts.group(3))
            if seconds is None:
                self.fail(f"{parts.group(3)!r} is not a duration (e.g. P1D, PT2H, 1 day, 3 hours)", param, ctx)
            shift = seconds if parts.group(2) == "+" else -seconds
        now = datetime.now(timezone.utc)
        if text == "now":
            moment = now
        elif text == "today":
            moment = now.replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                self.fail(f"{text!r} is not a date or time (ISO 8601, e.g. 2026-12-01 or 2026-12-01T08:30, "
                          f"or now or today)", param, ctx)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp() + shift

    @classmethod
    def _duration(cls, text: str) -> Optional[float]:
        import re

        iso = re.fullmatch(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text.upper())
        if iso and text.upper() not in ("P", "PT"):
            w, d, h, m, sec = (float(g) if g else 0.0 for g in iso.groups())
            return w * 604800 + d * 86400 + h * 3600 + m * 60 + sec
        total, found = 0.0, False
        for amount, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)", text):
            unit = unit.lower().rstrip("s") if len(unit) > 1 else unit.lower()
            if unit not in cls._UNITS:
                return None
            total += float(amount) * cls._UNITS[unit]
            found = True
        return total if found and re.fullmatch(r"(\s*\d+(?:\.\d+)?\s*[a-zA-Z]+\s*)+", text) else None


def _run_filters(command: Any) -> Any:
    """The SDK's further filters of `flyte get run`, each done here or, where the local store
    cannot tell, said so on stderr."""
    options = [
        click.option("--only-mine", is_flag=True, help="Only runs you started (locally: every run)."),
        click.option("--paused-only", is_flag=True,
                     help="Only runs with a paused action (locally none: a condition waits in its run's process)."),
        click.option("--task-version", default=None, help="Only runs of this task version (not recorded locally: "
                                                          "a warning, and not filtered)."),
        click.option("--created-after", type=When(), default=None,
                     help="Runs started at or after this (ISO 8601, UTC unless given; now, today, now - 1 day)."),
        click.option("--created-before", type=When(), default=None, help="Runs started before this."),
        click.option("--updated-after", type=When(), default=None,
                     help="Runs that last changed (ended; a running run: now) at or after this."),
        click.option("--updated-before", type=When(), default=None, help="Runs that last changed before this."),
        click.option("--with-label", multiple=True, help="Only runs with this label KEY=VALUE (repeat: all of them; "
                                                         "labels come from `flyte run --label`)."),
        click.option("--with-label-key", multiple=True, help="Only runs with a label KEY (repeat: all of them)."),
    ]

    @functools.wraps(command)
    def wrapped(*args: Any, only_mine: bool, paused_only: bool, task_version: Optional[str],
                created_after: Optional[float], created_before: Optional[float], updated_after: Optional[float],
                updated_before: Optional[float], with_label: tuple, with_label_key: tuple, **kwargs: Any) -> Any:
        labels = []
        for item in with_label:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--with-label")
            labels.append((key, value))
        if task_version is not None:
            warn(f"--task-version {task_version}: local runs do not record their task's version; runs are not "
                 f"filtered by it")
        filters = RunFilters(created_after, created_before, updated_after, updated_before, paused_only,
                             tuple(labels), tuple(with_label_key))
        return command(*args, filters=filters, **kwargs)

    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


@get.command("runs")
@click.option("--limit", default=50, show_default=True, help="How many runs (newest first).")
@_in_phase
@click.option("--task-name", default=None, help="Only runs of this task.")
@click.option("--name", "name_part", default=None, help="Only runs whose name contains this.")
@_run_filters
@_sdk_scope
def get_runs(limit: int, in_phase: tuple, task_name: Optional[str], name_part: Optional[str],
             filters: RunFilters) -> None:
    """The most recent runs, with their action counts."""
    list_runs(limit, in_phase, task_name, name_part, filters)


@get.command("run")
@click.argument("name", required=False)
@click.option("--limit", default=50, show_default=True, help="Without NAME: how many runs.")
@_in_phase
@click.option("--task-name", default=None, help="Without NAME: only runs of this task.")
@_run_filters
@_sdk_scope
def get_run(name: Optional[str], limit: int, in_phase: tuple, task_name: Optional[str], filters: RunFilters) -> None:
    """One run (phase, timing, counts, inputs, outputs, where it failed), or without NAME the runs."""
    if name is None:
        list_runs(limit, in_phase, task_name, None, filters)
    else:
        _warn_list_options("NAME", "the list of runs")
        show_run(name)


def _warn_list_options(argument: str, what: str) -> None:
    """Options given that only narrow a list, with the argument that shows one thing instead."""
    ctx = click.get_current_context()
    given = [f"--{p.name.replace('_', '-')}" for p in ctx.command.params
             if isinstance(p, click.Option) and p.name not in ("project", "domain", "help")
             and ctx.get_parameter_source(p.name) not in (click.core.ParameterSource.DEFAULT, None)]
    if given:
        warn(f"{', '.join(given)} narrow{'s' if len(given) == 1 else ''} {what}; with {argument} there is one, "
             f"shown as it is")


def _actions_command(name: str, hidden: bool = False) -> None:
    @get.command(name, hidden=hidden)
    @click.argument("run_name")
    @click.argument("action_name", required=False)
    @_in_phase
    @click.option("--limit", default=100, show_default=True, help="Actions per page (in start order).")
    @click.option("--token", default=None, help="Where a page starts: the token printed after the previous one.")
    @click.option("--parent", default=None, help="Only the children of this action (e.g. the items of a map).")
    @click.option("--all", "everything", is_flag=True, help="Every action at once, not a page.")
    @_sdk_scope
    def command(run_name: str, action_name: Optional[str], in_phase: tuple, limit: int, token: Optional[str],
                parent: Optional[str], everything: bool) -> None:
        """The actions of a run as a tree (a page at a time; large fan-outs folded into one line
        with their counts), or with ACTION_NAME (an id or a short name) one action in detail."""
        if action_name is not None:
            _warn_list_options("ACTION_NAME", "the list of actions")
            show_action(run_name, action_name)
        else:
            list_actions(run_name, in_phase, limit, token, parent, everything)


_actions_command("actions")
_actions_command("action", hidden=True)  # the SDK's name


@get.command("io")
@click.argument("run_name")
@click.argument("action_name", default="a0")
@click.option("-i", "--inputs-only", is_flag=True, help="Show only inputs.")
@click.option("-o", "--outputs-only", is_flag=True, help="Show only outputs.")
@_sdk_scope
def get_io(run_name: str, action_name: str, inputs_only: bool, outputs_only: bool) -> None:
    """Inputs and outputs of one action (the run's root by default), and its error if it failed."""
    show_io(run_name, action_name, inputs_only, outputs_only)


@get.command("logs")
@click.argument("run_name")
@click.argument("action_name", default="a0")
@click.option("-a", "--attempt", type=int, default=None, help="Attempt number (default: the latest that wrote).")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new output until the action ends.")
@click.option("-l", "--lines", type=int, default=None,
              help="Only the last LINES lines (then follow); with --pretty, the lines the box shows (default 30).")
@click.option("--show-ts", is_flag=True, help="Each line with the time it was written (UTC).")
@click.option("--pretty", is_flag=True, help="In an auto-scrolling box of the last --lines lines.")
@click.option("--filter-system", is_flag=True,
              help="Leave out the runtime's own lines (notes on failed attempts and timeouts, warnings of the "
                   "'flyte' logger), shown dimmed otherwise.")
@_sdk_scope
def get_logs(run_name: str, action_name: str, attempt: Optional[int], follow: bool, lines: Optional[int],
             pretty: bool, show_ts: bool, filter_system: bool) -> None:
    """What an action (the run's root by default; an id or a short name) printed and logged."""
    show_logs(run_name, action_name, attempt, follow, lines, show_ts=show_ts, pretty=pretty,
              filter_system=filter_system)
