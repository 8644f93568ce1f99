"""The live view of a run in a terminal: its action tree, updated as the recorder records.

`LiveRun` is a `RunListener`: it keeps, for one run, each action's phase, attempts and times, and
per fan-out (the children of one action that share a task, short name and group) the count in
each phase. It renders (rich) as a tree in which a fan-out with more than `show` members is one
line with its counts ("process_item x1,000  ✓ 950  ▶ 40  ✕ 10"), groups (`flyte.group`) are
branches, and the run's own line has the totals. Memory stays bounded for any width: beyond the
first members of a fan-out only counts are kept.

    with LiveRun().shown(console):   # the first run started inside is the one shown
        flyte.run(main)

Events arrive in the recording thread; rendering happens in rich's refresh thread, about eight
times a second, under the same lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

from ._controller import RunListener, add_listener, remove_listener
from ._show import CACHE_MARK, counts_text, duration, mark, phase_of
from ._store import ActionCounts

_PHASES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT")
_INDEX = {p: i for i, p in enumerate(_PHASES)}


class _Node:
    __slots__ = ("aid", "attempts", "cache", "end", "failed_attempts", "group", "parent", "phase", "short", "start")

    def __init__(self, rec: Any):
        self.aid, self.parent, self.short, self.group = rec.id, rec.parent, rec.short_name, rec.group_name
        self.phase = str(rec.phase)
        self.attempts = rec.attempts or 0
        self.start, self.end = rec.start_time, rec.end_time
        self.cache = rec.cache_status == "hit"
        self.failed_attempts = 0


class _FanOut:
    __slots__ = ("counts", "first_start", "group", "hits", "last_end", "members", "n", "short")

    def __init__(self, short: str, group: Optional[str], start: float):
        self.short, self.group = short, group
        self.counts = [0] * 6
        self.hits = 0
        self.n = 0
        self.members: list[str] = []  # ids of the first members (the ones shown when it is small)
        self.first_start = start
        self.last_end: Optional[float] = None

    def as_counts(self) -> ActionCounts:
        q, r, s, f, a, t = self.counts
        return ActionCounts(q, r, s, f, a, t, self.hits)


class LiveRun(RunListener):
    """What the live view knows of one run (`run`, or the first run started after it listens)."""

    def __init__(self, run: Optional[str] = None, show: int = 8, max_lines: int = 60):
        self.run = run
        self.show = show  # a fan-out with more members than this is one line
        self.max_lines = max_lines
        self.lock = threading.Lock()
        self.nodes: dict[str, _Node] = {}
        self.fanouts: dict[tuple, _FanOut] = {}
        self.children: dict[Optional[str], list[tuple]] = {}  # parent -> its fan-outs' keys, in start order
        self.running: set[str] = set()
        self.totals = [0] * 6
        self.hits = 0
        self.task: Optional[str] = None
        self.started: Optional[float] = None
        self.ended: Optional[float] = None
        self.phase = "RUNNING"

    # -- events (RunListener) --------------------------------------------------------------------------

    def run_started(self, record: Any) -> None:
        with self.lock:
            if self.run is None:
                self.run = record.name
            if record.name == self.run:
                self.task, self.started, self.phase, self.ended = record.task, record.start_time, "RUNNING", None

    def run_finished(self, record: Any) -> None:
        with self.lock:
            if record.name == self.run:
                self.phase, self.ended = str(record.phase), record.end_time

    def action_started(self, record: Any) -> None:
        if record.run != self.run:
            return
        with self.lock:
            if record.id in self.running or record.id in self.nodes:
                return  # a retried action's new attempt
            fan = self._fanout(record)
            fan.n += 1
            fan.counts[1] += 1
            self.totals[1] += 1
            self.running.add(record.id)
            if len(fan.members) <= self.show:
                fan.members.append(record.id)
                self.nodes[record.id] = _Node(record)

    def action_finished(self, record: Any) -> None:
        if record.run != self.run:
            return
        with self.lock:
            fan = self._fanout(record)
            if record.id in self.running:
                self.running.discard(record.id)
                fan.counts[1] -= 1
                self.totals[1] -= 1
            else:  # a cache hit, a replayed action, a map item recorded at its end
                fan.n += 1
                if len(fan.members) <= self.show:
                    fan.members.append(record.id)
            i = _INDEX.get(str(record.phase), 2)
            fan.counts[i] += 1
            self.totals[i] += 1
            if record.cache_status == "hit":
                fan.hits += 1
                self.hits += 1
            if record.end_time and (fan.last_end is None or record.end_time > fan.last_end):
                fan.last_end = record.end_time
            node = self.nodes.get(record.id)
            if node is None and record.id in fan.members:
                node = self.nodes[record.id] = _Node(record)
            if node is not None:
                node.phase, node.attempts, node.end = str(record.phase), record.attempts or 0, record.end_time
                node.cache = record.cache_status == "hit"

    def attempt_failed(self, record: Any) -> None:
        if record.run != self.run:
            return
        with self.lock:
            node = self.nodes.get(record.action)
            if node is not None:
                node.failed_attempts += 1

    def _fanout(self, rec: Any) -> _FanOut:
        key = (rec.parent, rec.group_name, rec.task, rec.short_name)
        fan = self.fanouts.get(key)
        if fan is None:
            fan = self.fanouts[key] = _FanOut(rec.short_name, rec.group_name, rec.start_time or 0.0)
            self.children.setdefault(rec.parent, []).append(key)
        return fan

    # -- what it shows ----------------------------------------------------------------------------

    def counts(self) -> ActionCounts:
        q, r, s, f, a, t = self.totals
        return ActionCounts(q, r, s, f, a, t, self.hits)

    def _node_label(self, node: _Node, now: float) -> str:
        from rich.markup import escape

        cache = f" {CACHE_MARK}" if node.cache else ""
        tries = node.attempts if node.end else node.failed_attempts + 1
        attempts = f" [dim]attempt {tries}[/dim]" if tries > 1 else ""
        return f"{mark(node.phase)}{cache} {escape(node.short)} [dim]{duration(node.start, node.end, now)}[/dim]{attempts}"

    def _fan_label(self, fan: _FanOut, now: float) -> str:
        from rich.markup import escape

        counts = fan.as_counts()
        return (f"{mark(phase_of(counts))} {escape(fan.short)} [bold]x{fan.n:,}[/bold]  {counts_text(counts)}  "
                f"[dim]{duration(fan.first_start, fan.last_end if not counts.running else None, now)}[/dim]")

    def tree(self) -> Any:
        from rich.markup import escape
        from rich.tree import Tree

        now = time.time()
        with self.lock:
            state = "running" if self.phase == "RUNNING" else self.phase.lower()
            head = (f"{mark(self.phase)} run [bold]{escape(self.run or '?')}[/bold] {escape(self.task or '')} [dim]{state} "
                    f"{duration(self.started, self.ended, now)}[/dim]  {counts_text(self.counts())}")
            root = Tree(head)
            budget = [self.max_lines]
            self._add_children(root, None, now, budget)
            if budget[0] < 0:
                root.add("[dim]…[/dim]")
        return root

    def _add_children(self, branch: Any, parent: Optional[str], now: float, budget: list) -> None:
        from rich.markup import escape

        groups: dict[str, Any] = {}
        for key in self.children.get(parent, ()):
            if budget[0] <= 0:
                budget[0] = -1
                return
            fan = self.fanouts[key]
            target = branch
            if fan.group:
                target = groups.get(fan.group)
                if target is None:
                    target = groups[fan.group] = branch.add(f"[bold]{escape(fan.group)}[/bold] [dim](group)[/dim]")
            if fan.n > self.show:
                budget[0] -= 1
                target.add(self._fan_label(fan, now))
                continue
            for aid in fan.members:
                node = self.nodes.get(aid)
                if node is None:
                    continue
                budget[0] -= 1
                self._add_children(target.add(self._node_label(node, now)), aid, now, budget)

    def __rich__(self) -> Any:
        return self.tree()

    @contextmanager
    def shown(self, console: Any) -> Iterator[LiveRun]:
        """Show this view live on `console` while the block runs (what the run's actions print
        appears above it); the last state stays on screen."""
        from rich.live import Live

        add_listener(self)
        try:
            with Live(self, console=console, refresh_per_second=8, transient=False, redirect_stdout=True,
                      redirect_stderr=True, vertical_overflow="ellipsis"):
                yield self
        finally:
            remove_listener(self)
