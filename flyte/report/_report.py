from __future__ import annotations

import html
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

    def write(self, path: Path) -> None:
        """Atomically (temp file + rename): a reader never sees half a report."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.get_final_report())
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
    frame.report.write(frame.run.run_dir / frame.id / "report.html")


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


def abbreviate(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def duration_ms(start_iso: Any, end_iso: Any) -> str:
    start = datetime.fromisoformat(str(start_iso))
    end = datetime.fromisoformat(str(end_iso))
    return f"{(end - start).total_seconds() * 1000:.0f} ms"


class Timeline:
    """Collects (label, start, end) events and renders them as an HTML table in a tab."""

    def __init__(self, tab_name: str = "main"):
        self.tab_name = tab_name
        self.events: list[tuple] = []

    def add(self, label: str, start: Any, end: Any) -> None:
        self.events.append((label, start, end))

    def render(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(str(label))}</td><td>{html.escape(str(s))}</td><td>{html.escape(str(e))}</td></tr>"
            for label, s, e in self.events
        )
        return f"<table><tr><th>step</th><th>start</th><th>end</th></tr>{rows}</table>"

    def log(self) -> None:
        current_report().get_tab(self.tab_name).log(self.render())  # type: ignore[union-attr]
