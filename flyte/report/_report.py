from __future__ import annotations

import html
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from .._context import current_frame
from .._syncify import Immediate


@dataclass
class Tab:
    name: str
    content: list[str] = field(default_factory=list)

    def log(self, content: str) -> None:
        self.content.append(content)

    def replace(self, content: str) -> None:
        self.content = [content]

    def get_html(self) -> str:
        return "\n".join(self.content)


@dataclass
class Report:
    name: str
    tabs: dict[str, Tab] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tabs.setdefault("main", Tab("main"))

    def has_content(self) -> bool:
        """Whether anything was logged (the "main" tab always exists, possibly empty)."""
        return any(t.content for t in self.tabs.values())

    def get_tab(self, name: str, create_if_missing: bool = True) -> Optional[Tab]:
        tab = self.tabs.get(name)
        if tab is None and create_if_missing:
            tab = self.tabs[name] = Tab(name)
        return tab

    def get_final_report(self) -> str:
        tabs = [t for t in self.tabs.values() if t.content] or list(self.tabs.values())
        buttons = "".join(f'<button onclick="show(\'{i}\')">{html.escape(t.name)}</button>' for i, t in enumerate(tabs))
        panes = "".join(
            f'<section id="tab{i}" style="display:{"block" if i == 0 else "none"}">{t.get_html()}</section>'
            for i, t in enumerate(tabs)
        )
        script = (
            "<script>function show(i){document.querySelectorAll('section').forEach("
            "(s,j)=>s.style.display=(String(j)===i?'block':'none'))}</script>"
        )
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(self.name)}</title></head>"
            f"<body><h1>{html.escape(self.name)}</h1><nav>{buttons}</nav>{panes}{script}</body></html>"
        )

    def write(self, path: Path, html: Optional[str] = None) -> None:
        """Atomically (temp file + rename): a reader never sees half a report."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.get_final_report() if html is None else html)
        os.replace(tmp, path)


_DETACHED = Report("detached")  # outside a task reports go nowhere, as in the SDK


def current_report() -> Report:
    frame = current_frame.get()
    if frame is None:
        return _DETACHED
    if frame.report is None:
        frame.report = Report(frame.task_name)
        frame.report.get_tab("main")
    return frame.report


def _flush() -> None:
    """Write the current task's report now (it is also written when the task ends)."""
    frame = current_frame.get()
    if frame is None or frame.report is None or not getattr(frame.task, "report", False):
        return
    from .._controller import publish_report  # the controller records it with the action

    publish_report(frame)


def _get_tab(name: str, /, create_if_missing: bool = True) -> Optional[Tab]:
    return current_report().get_tab(name, create_if_missing)


def _log(content: str, do_flush: bool = False) -> None:
    """Append HTML to the report's main tab."""
    current_report().get_tab("main").log(content)  # type: ignore[union-attr]
    if do_flush:
        _flush()


def _replace(content: str, do_flush: bool = False) -> None:
    """Replace the main tab's HTML."""
    current_report().get_tab("main").replace(content)  # type: ignore[union-attr]
    if do_flush:
        _flush()


flush = Immediate(_flush)
get_tab = Immediate(_get_tab)
log = Immediate(_log)
replace = Immediate(_replace)


# A single enormous value (a file's contents, an API response) is shown up to this many
# characters even when expanded, so one row cannot bloat the report without bound.
_MAX_EXPANDED = 20000


def abbreviate(value: Any, limit: int = 300) -> str:
    """`value` as escaped HTML for a report row. Up to `limit` characters it is shown as is;
    longer, it becomes a `<details>` whose summary shows the first `limit` characters and how
    many more there are ("(+N)"), and whose body holds the whole text (cut at 20,000 characters,
    saying so). None is empty."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return html.escape(text)
    body = html.escape(text[:_MAX_EXPANDED])
    if len(text) > _MAX_EXPANDED:
        body += f"\n... (+{len(text) - _MAX_EXPANDED} more, truncated)"
    return (
        '<details style="display:inline-block;vertical-align:top;max-width:100%">'
        f'<summary style="cursor:pointer">{html.escape(text[:limit])}... (+{len(text) - limit})</summary>'
        f'<pre style="white-space:pre-wrap;word-break:break-word;margin:4px 0 0">{body}</pre></details>'
    )


def _parse_iso(value: Any) -> datetime:
    text = str(value)
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def duration_ms(start_iso: Any, end_iso: Any) -> str:
    """The time between two ISO-8601 stamps as "<n> ms"; "" when either is missing or unreadable."""
    if not start_iso or not end_iso:
        return ""
    try:
        return f"{(_parse_iso(end_iso) - _parse_iso(start_iso)).total_seconds() * 1000:.0f} ms"
    except (TypeError, ValueError):
        return ""


class Timeline:
    """A chronological log (headings and rows) appended to one tab of the task's report.

    Writing never fails the task it observes: without an active report (outside a task, or a
    task without `report=True`) the rows go nowhere."""

    def __init__(self, tab_name: str = "main"):
        self.tab_name = tab_name

    def heading(self, text: Any) -> None:
        self._log(f'<h3 style="margin:8px 0 4px">{html.escape(str(text))}</h3>')

    def row(self, *, icon: str = "\u2022", label: Any = "", meta: str = "", detail: str = "", error: Any = None) -> None:
        """One line: icon, bold label, faint meta, then detail (HTML, e.g. from `abbreviate`) and
        an error in red."""
        err = f' <span style="color:#d33">\u26a0 {abbreviate(error, 200)}</span>' if error else ""
        more = f" \u2014 {detail}" if detail else ""
        self._log(
            '<div style="padding:3px 0;border-bottom:1px solid rgba(128,128,128,.18);font-size:13px">'
            f'{icon} <b>{html.escape(str(label))}</b> <span style="opacity:.55">{html.escape(meta)}</span>'
            f"{more}{err}</div>"
        )

    def _log(self, content: str) -> None:
        import flyte.report  # looked up at call time: a report may become active mid-run

        try:
            tab = flyte.report.get_tab(self.tab_name)
            if tab is not None:
                tab.log(content)
        except Exception:  # no active report: a timeline never breaks the work it watches
            logging.getLogger("flyte").debug("Timeline: no active report", exc_info=True)
