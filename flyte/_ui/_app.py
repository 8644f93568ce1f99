"""The UI's routes: pages rendered on the server (Jinja2), fragments and JSON for the page script.

    /                                    runs, newest first (filters: phase, task, name); live
    /runs/{run}                          a run: header, counts, where it failed, its tree + timeline
    /runs/{run}/children?parent=ID       the rows under an action (a fragment)
    /runs/{run}/members?key=K&after=T    a page of a fan-out's members (a fragment)
    /runs/{run}/status                   phase and counts (JSON, for the live view)
    /runs/{run}/actions/{id}             an action: values by type, error, traceback, logs, report
    /runs/{run}/actions/{id}/logs        its output from a token (JSON, to follow it)
    /runs/{run}/actions/{id}/report      its report, sandboxed
    /runs/{run}/actions/{id}/files/{i}   a file its values name (as a download)
    /runs/{run}/delete, /runs/{run}/rerun   confirmation pages and their POSTs (--allow-changes only)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .._show import counts_text, duration, error_line, when
from .._store import MetadataStore, Phase
from . import _views as views
from ._security import DOWNLOAD_POLICY, REPORT_POLICY, STYLESHEET, CsrfToken, Guard, allowed_hosts, same_origin

HERE = Path(__file__).parent
# Terminal colour and cursor codes in what tasks printed (a progress bar, rich output): the page
# shows the text without them.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def plain_text(text: str) -> str:
    return _ANSI.sub("", text)


def timed_lines(page: Any, continuing: bool = False) -> list[tuple[str, str, bool]]:
    """A log page's lines, each with the local time it was written (`HH:MM:SS.mmm`; "" where the
    store has none) and whether the runtime wrote it (not the task's body; shown apart, and
    hidden by the page's toggle). A page that starts inside a line begins with the rest of it, and
    that line's time; `continuing`: inside a line the runtime wrote. A runtime's line that began
    inside one of the body's is a line of its own, without a time."""
    import datetime

    from .._store import split_lines

    out: list[tuple[str, str, bool]] = []
    for t, parts in split_lines(page.lines(), continuing)[0]:
        label = "" if t is None else datetime.datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]
        for k, (system, text) in enumerate(parts):
            out.append((label if k == 0 else "", plain_text(text), system))
    return out


def ends_in_system_line(lines: list[tuple[str, str, bool]]) -> bool:
    """Whether `timed_lines` end inside a line the runtime wrote (the next page goes on with it)."""
    return bool(lines) and lines[-1][2] and not lines[-1][1].endswith("\n")


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["symbol"] = views.symbol
    env.filters["when"] = when
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.globals["stylesheet"] = Markup(STYLESHEET)  # static, ours; allowed by its hash in the page policy
    env.globals.update(duration=duration, error_line=error_line, counts_text=counts_text, PHASES=views.PHASES)
    return env


class UI:
    """The state of one UI server: its store, whether it may change anything, its CSRF token."""

    def __init__(self, store: MetadataStore, allow_changes: bool = False):
        self.store = store
        self.allow_changes = allow_changes
        self.csrf = CsrfToken()
        self.env = _templates()
        self.hosts = allowed_hosts("127.0.0.1", 8765)

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        template = self.env.get_template(name)
        html = template.render(allow_changes=self.allow_changes, csrf=self.csrf.value, home=str(self.store.home),
                               now=time.time(), **context)
        return HTMLResponse(html, status_code=status)

    def not_found(self, what: str) -> HTMLResponse:
        return self.page("error.html", status=404, message=what)

    # -- runs ------------------------------------------------------------------------------------

    def _run_filters(self, request: Request) -> dict:
        q = request.query_params
        phases = [p.upper() for p in q.getlist("phase") if p.upper() in views.PHASES]
        before: Optional[float] = None
        if q.get("before"):
            try:
                before = float(q["before"])
            except ValueError:
                before = None
        return {"phases": phases, "task": q.get("task", "").strip(), "name": q.get("name", "").strip(), "before": before}

    async def runs(self, request: Request) -> Response:
        f = self._run_filters(request)
        rows, next_before = views.run_rows(self.store, f["phases"], f["task"], f["name"], f["before"])
        return self.page("runs.html", rows=rows, next_before=next_before, filters=f, query=request.url.query)

    async def runs_fragment(self, request: Request) -> Response:
        f = self._run_filters(request)
        rows, _ = views.run_rows(self.store, f["phases"], f["task"], f["name"], f["before"])
        return self.page("_run_rows.html", rows=rows)

    # -- a run -----------------------------------------------------------------------------------

    async def run(self, request: Request) -> Response:
        name = request.path_params["run"]
        view = views.run_view(self.store, name)
        if view is None:
            return self.not_found(f"No run named {name!r} in {self.store.home}")
        branches = views.root(self.store, name)
        # the root action is shown open: its children are on the first paint
        opened: dict[str, list] = {}
        for b in branches:
            for n in b.nodes:
                if n.has_children:
                    opened[n.id] = views.children(self.store, name, n.id)
        query = request.query_params.get("q", "").strip()
        found = views.find_actions(self.store, name, query) if query else None
        return self.page("run.html", run=view, branches=branches, opened=opened, query=query, found=found)

    async def status(self, request: Request) -> Response:
        name = request.path_params["run"]
        r = self.store.get_run(name)
        if r is None:
            return JSONResponse({"error": "no such run"}, status_code=404)
        counts = self.store.run_counts([name]).get(name)
        return JSONResponse({
            "phase": str(r.phase), "running": str(r.phase) == "RUNNING", "took": duration(r.start_time, r.end_time, time.time()),
            "end": r.end_time, "counts": (counts._asdict() | {"total": counts.total}) if counts else {},
        })

    async def children(self, request: Request) -> Response:
        name = request.path_params["run"]
        parent = request.query_params.get("parent") or None
        depth = _int(request.query_params.get("depth"), 1)
        return self.page("_rows.html", run_name=name, branches=views.children(self.store, name, parent), depth=depth,
                         opened={})

    async def members(self, request: Request) -> Response:
        name = request.path_params["run"]
        q = request.query_params
        phases = [p.upper() for p in q.getlist("phase") if p.upper() in views.PHASES]
        try:
            nodes, token = views.members(self.store, name, q.get("key", ""), q.get("after") or None, phases)
        except ValueError as e:
            return HTMLResponse(f"<div class='row'>{_esc(str(e))}</div>", status_code=400)
        return self.page("_members.html", run_name=name, nodes=nodes, next_token=token, key=q.get("key", ""),
                         phases=phases, depth=_int(q.get("depth"), 1))

    # -- an action ---------------------------------------------------------------------------------

    async def action(self, request: Request) -> Response:
        name, aid = request.path_params["run"], request.path_params["aid"]
        view = views.action_view(self.store, name, aid)
        if view is None:
            return self.not_found(f"Run {name!r} has no action {aid!r}")
        attempt = _int(request.query_params.get("attempt"), None)
        log = self.store.get_log(name, aid, attempt)
        lines = timed_lines(log) if log is not None else []
        # what the action wrote before its run was resumed (it ran again then): marked, apart
        earlier = [(p.earlier.heading(f"{aid} ({view.record.short_name})", p.attempt) if p.earlier else "", p.dropped,
                    timed_lines(p)) for p in self.store.earlier_logs(name, aid)] if attempt is None else []
        return self.page("action.html", run_name=name, a=view, log=log, log_lines=lines, attempt=attempt,
                         log_limit=self.store.log_limit, earlier=earlier,
                         log_system=any(system for _, _, system in lines)
                         or any(system for _, _, old in earlier for _, _, system in old),
                         log_in_system=ends_in_system_line(lines))

    async def logs(self, request: Request) -> Response:
        name, aid = request.path_params["run"], request.path_params["aid"]
        q = request.query_params
        try:
            page = self.store.get_log(name, aid, _int(q.get("attempt"), None), after=q.get("after") or None)
        except ValueError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        a = self.store.get_action(name, aid)
        done = a is None or Phase(a.phase).is_terminal
        if page is None:
            return JSONResponse({"text": "", "dropped": 0, "next_token": q.get("after") or "0", "done": done})
        lines = timed_lines(page, q.get("sys") == "1")
        return JSONResponse({"text": "".join(line for _, line, _ in lines), "lines": lines, "dropped": page.dropped,
                             "next_token": page.next_token, "attempt": page.attempt, "done": done,
                             "in_system": ends_in_system_line(lines)})

    async def report(self, request: Request) -> Response:
        name, aid = request.path_params["run"], request.path_params["aid"]
        html = self.store.get_report(name, aid)
        if html is None:
            return Response("No report", status_code=404, media_type="text/plain")
        return HTMLResponse(html, headers={"content-security-policy": REPORT_POLICY})

    async def file(self, request: Request) -> Response:
        name, aid = request.path_params["run"], request.path_params["aid"]
        index = _int(request.path_params.get("index"), -1)
        paths = views.action_files(self.store, name, aid)
        if not 0 <= index < len(paths) or not views.safe_to_serve(paths[index]):
            return Response("No such file", status_code=404, media_type="text/plain")
        path = Path(paths[index])
        headers = {"content-security-policy": DOWNLOAD_POLICY}
        if path.is_dir():
            entries = sorted(x.name + ("/" if x.is_dir() else "") for x in list(path.iterdir())[:1000])
            return Response("\n".join(entries), media_type="text/plain; charset=utf-8", headers=headers)
        return FileResponse(path, media_type="application/octet-stream", filename=path.name, headers=headers)

    # -- changes (--allow-changes) -----------------------------------------------------------------

    def _may_change(self, request: Request) -> Optional[Response]:
        if not self.allow_changes:
            return self.page("error.html", status=403,
                             message="This UI is read-only. Start it with `flyte ui --allow-changes` to delete or rerun runs.")
        return None

    async def _checked_form(self, request: Request) -> tuple[Optional[Response], Any]:
        refused = self._may_change(request)
        if refused is not None:
            return refused, None
        origin = request.headers.get("origin")
        if origin and origin != "null" and not same_origin(origin, self.hosts):
            return self.page("error.html", status=403, message="This change came from another site."), None
        form = await _form(request)
        if not self.csrf.check(form.get("csrf")):
            return self.page("error.html", status=403,
                             message="This form has expired (the server restarted?). Open the page again."), None
        return None, form

    async def confirm_delete(self, request: Request) -> Response:
        refused = self._may_change(request)
        if refused is not None:
            return refused
        name = request.path_params["run"]
        if self.store.get_run(name) is None:
            return self.not_found(f"No run named {name!r}")
        return self.page("confirm.html", run_name=name, action="delete",
                         what=f"Delete run {name}, its records, logs, reports and files?")

    async def delete(self, request: Request) -> Response:
        refused, _form = await self._checked_form(request)
        if refused is not None:
            return refused
        name = request.path_params["run"]
        record = self.store.get_run(name)
        if record is None:
            return self.not_found(f"No run named {name!r}")
        if str(record.phase) == "RUNNING" and self.store.owner_alive(record.owner):
            return self.page("error.html", status=409, message=f"Run {name} is still running; delete it once it ends.")
        self.store.delete_run(name)
        return RedirectResponse("/", status_code=303)

    async def confirm_rerun(self, request: Request) -> Response:
        refused = self._may_change(request)
        if refused is not None:
            return refused
        name = request.path_params["run"]
        if self.store.get_run(name) is None:
            return self.not_found(f"No run named {name!r}")
        recover = request.query_params.get("recover") == "1"
        what = (f"Resume run {name}: actions that succeeded are replayed, the rest run again?" if recover
                else f"Run the task of {name} again with the same inputs, as a new run?")
        return self.page("confirm.html", run_name=name, action="rerun", recover=recover, what=what)

    async def rerun(self, request: Request) -> Response:
        refused, form = await self._checked_form(request)
        if refused is not None:
            return refused
        name = request.path_params["run"]
        if self.store.get_run(name) is None:
            return self.not_found(f"No run named {name!r}")
        recover = form.get("recover") == "1"
        # In a process of its own: the task's code must not run inside the UI server.
        log_dir = self.store.home / "ui"
        log_dir.mkdir(exist_ok=True)
        log = open(log_dir / f"rerun-{int(time.time())}-{os.getpid()}.log", "ab")
        args = [sys.executable, "-m", "flyte._cli", "--no-progress", "rerun", name, *(["--recover"] if recover else [])]
        subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                         env={**os.environ, "FLYTE_HOME": str(self.store.home)})
        log.close()
        return RedirectResponse(f"/runs/{quote(name, safe='')}" if recover else "/", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    """A URL-encoded form (the only kind these pages send), without a multipart parser."""
    from urllib.parse import parse_qs

    body = await request.body()
    if len(body) > 64 * 1024:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def _int(value: Any, default: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def create_app(store: MetadataStore, allow_changes: bool = False, host: str = "127.0.0.1", port: int = 8765) -> Any:
    """The UI as an ASGI app over `store` (read-only unless `allow_changes`), answering to
    requests for `host`:`port` (see `_security.Hosts`)."""
    ui = UI(store, allow_changes)
    ui.hosts = allowed_hosts(host, port)
    routes = [
        Route("/", ui.runs),
        Route("/fragments/runs", ui.runs_fragment),
        Route("/runs/{run}", ui.run),
        Route("/runs/{run}/status", ui.status),
        Route("/runs/{run}/children", ui.children),
        Route("/runs/{run}/members", ui.members),
        Route("/runs/{run}/delete", ui.confirm_delete, methods=["GET"]),
        Route("/runs/{run}/delete", ui.delete, methods=["POST"]),
        Route("/runs/{run}/rerun", ui.confirm_rerun, methods=["GET"]),
        Route("/runs/{run}/rerun", ui.rerun, methods=["POST"]),
        Route("/runs/{run}/actions/{aid}", ui.action),
        Route("/runs/{run}/actions/{aid}/logs", ui.logs),
        Route("/runs/{run}/actions/{aid}/report", ui.report),
        Route("/runs/{run}/actions/{aid}/files/{index}", ui.file),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.ui = ui
    return Guard(app, ui.hosts)
