"""`flyte ui` over HTTP: what each page shows, that nothing a run recorded can inject markup,
read-only unless asked, changes behind a confirmation and a CSRF token, requests for other hosts
refused. (The same pages in a real browser: test_ui_browser.py.)"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("jinja2")

from flyte._store import ActionRecord, RunRecord, SQLiteStore
from tests.flyte.ui_support import EVIL, request, serving

SEEDS = Path(__file__).parent / "seeds"

HOSTILE = textwrap.dedent(
    f'''
    import flyte
    env = flyte.TaskEnvironment("hostile")
    EVIL = {EVIL!r}

    @env.task(short_name=EVIL)
    async def evil_child(x: str) -> str:
        print("log " + EVIL)
        raise ValueError("error " + EVIL)

    @env.task
    async def main() -> str:
        with flyte.group(EVIL):
            try:
                await evil_child(EVIL)
            except Exception:
                pass
        return EVIL
    '''
)

FAILING = textwrap.dedent(
    '''
    import flyte
    env = flyte.TaskEnvironment("failing")

    def helper(x):
        raise ValueError(f"bad value {x}")

    @env.task
    async def boom(x: int) -> int:
        print(f"about to fail on {x}")
        return helper(x)

    @env.task
    async def main(x: int = 3) -> int:
        return await boom(x)
    '''
)

FANOUT = textwrap.dedent(
    '''
    import flyte
    env = flyte.TaskEnvironment("fanout")

    @env.task
    def item(i: int) -> int:
        if i % 25 == 7:
            raise ValueError(f"item {i} failed")
        return i

    @env.task
    def main(n: int) -> int:
        return len([r for r in flyte.map(item, range(n), return_exceptions=True) if isinstance(r, int)])
    '''
)


def flyte_run(home: Path, program: Path, task: str, name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flyte._cli", "--no-progress", "run", "--name", name, str(program), task,
                           *args], capture_output=True, text=True, env={**os.environ, "FLYTE_HOME": str(home)},
                          timeout=180)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A store with the user's seed examples, a failed run, a hostile run and a map of 120 items."""
    home = tmp_path_factory.mktemp("ui-home")
    programs = tmp_path_factory.mktemp("ui-programs")
    for name, text in (("hostile.py", HOSTILE), ("failing.py", FAILING), ("fanout.py", FANOUT)):
        (programs / name).write_text(text)
    assert flyte_run(home, SEEDS / "short_names.py", "main", "seed-short-names").returncode == 0
    assert flyte_run(home, SEEDS / "udfs.py", "main", "seed-udfs").returncode == 0
    assert flyte_run(home, programs / "failing.py", "main", "failed-run").returncode == 1
    assert flyte_run(home, programs / "hostile.py", "main", "hostile-run").returncode == 0
    assert flyte_run(home, programs / "fanout.py", "main", "fanout-run", "--n", "120").returncode == 0
    store = SQLiteStore(home)
    try:  # what no real run can record (task names are identifiers): a foreign writer's records
        bad_run = "evil-<img src=x onerror=alert(1)>"
        now = time.time()
        store.run_started(RunRecord(bad_run, EVIL, "SUCCEEDED", now, now + 1, None, None, None, None, None, None, None, None))
        store.action_finished(ActionRecord(bad_run, "a0", None, EVIL, EVIL, EVIL, "task", "SUCCEEDED", 1, now, now + 1,
                                           None, None, None, None, None))
        store.log_written(bad_run, "a0", 1, EVIL)
    finally:
        store.close()
    return home


@pytest.fixture(scope="module")
def ui(home):
    store = SQLiteStore(home)
    with serving(store) as base:
        yield base
    store.close()


def get(url: str, **kw):
    reply = request(url, **kw)
    assert reply.status == 200, (url, reply.status, reply.text[:500])
    return reply.text


def test_runs_page_lists_every_run_newest_first_with_counts(ui):
    page = get(ui + "/")
    names = re.findall(r'<tr data-run="([^"]+)"', page)
    assert names[:5] == [html.escape("evil-<img src=x onerror=alert(1)>"), "fanout-run", "hostile-run", "failed-run",
                         "seed-udfs"]
    fanout = page[page.index('data-run="fanout-run"'):]
    fanout = fanout[:fanout.index("</tr>")]
    # 1 root + 120 items, 5 of which failed (i % 25 == 7)
    assert 'data-count="succeeded">✓ <b>116</b>' in fanout and 'data-count="failed">✕ <b>5</b>' in fanout


def test_runs_page_filters_by_status_task_and_name(ui):
    assert re.findall(r'<tr data-run="([^"]+)"', get(ui + "/?phase=failed")) == ["failed-run"]
    assert re.findall(r'<tr data-run="([^"]+)"', get(ui + "/?task=udfs.main")) == ["seed-udfs"]
    assert re.findall(r'<tr data-run="([^"]+)"', get(ui + "/?name=seed-")) == ["seed-udfs", "seed-short-names"]


def test_run_page_shows_short_names_and_a_folded_fan_out(ui):
    page = get(ui + "/runs/seed-short-names")
    for short in ("entrypoint", "my_task", "my_name"):
        assert f">{short}</a>" in page
    page = get(ui + "/runs/fanout-run")
    assert "\u00d7120" in page and 'data-count="failed">✕ <b>5</b>' in page
    key = html.unescape(re.search(r'data-key="([^"]+)"', page).group(1))
    first = get(ui + "/runs/fanout-run/members?" + _q(key=key))
    assert first.count('class="node"') == 50 and "more members" in first
    after = html.unescape(re.search(r'data-after="([^"]+)"', first).group(1))
    second = get(ui + "/runs/fanout-run/members?" + _q(key=key, after=after))
    assert second.count('class="node"') == 50
    failed = get(ui + "/runs/fanout-run/members?" + _q(key=key, phase="failed"))
    assert failed.count('class="node"') == 5 and "item 7 failed" in failed


def _q(**kw) -> str:
    import urllib.parse

    return urllib.parse.urlencode(kw)


def test_actions_are_found_by_short_name(ui):
    page = get(ui + "/runs/seed-short-names?q=my_name")
    found = page[page.index('id="found"'):]
    assert "1 action named" in found and ">my_name</a>" in found


def test_pickled_callables_are_named_and_never_unpickled(ui, home):
    store = SQLiteStore(home)
    try:
        calls = store.list_actions("seed-udfs", short_name="run_udf").actions
    finally:
        store.close()
    pages = [get(ui + f"/runs/seed-udfs/actions/{a.id}") for a in calls]
    assert any("pickled task udfs.add_one_udf" in p for p in pages)
    assert any("pickled function udfs.fn_add_two_udf" in p for p in pages)
    assert "udfs" not in sys.modules  # the UI read the pickles without importing the user's module


def test_a_failed_run_leads_to_the_failing_action_its_traceback_and_logs(ui):
    page = get(ui + "/runs/failed-run")
    link = re.search(r'<a id="failed-action" href="([^"]+)">boom</a>', page)
    assert link, page
    action = get(ui + html.unescape(link.group(1)))
    assert "ValueError: bad value 3" in action
    assert 'raise ValueError(f&#34;bad value {x}&#34;)' in action  # the user's line, in the traceback
    assert "about to fail on 3" in action  # its output
    # each line with the time it was written (kept out of a copy of the log by the stylesheet)
    assert re.search(r'<span class="ts">\d\d:\d\d:\d\d\.\d{3}</span>about to fail on 3\n', action), action


def test_logs_are_followed_from_a_token(ui):
    import json

    first = json.loads(get(ui + "/runs/failed-run/actions/" + _boom_id(ui) + "/logs"))
    assert first["text"] == "about to fail on 3\n" and first["done"] is True
    [(label, line, system)] = first["lines"]
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", label) and line == "about to fail on 3\n" and system is False
    later = json.loads(get(ui + "/runs/failed-run/actions/" + _boom_id(ui) + "/logs?after=" + first["next_token"]))
    assert later["text"] == ""


def _boom_id(ui: str) -> str:
    page = get(ui + "/runs/failed-run")
    return re.search(r'href="/runs/failed-run/actions/([^"]+)">boom</a>', page).group(1)


def test_nothing_recorded_reaches_the_page_as_markup(ui, home):
    store = SQLiteStore(home)
    try:
        evil_child = next(a for a in store.list_actions("hostile-run").actions if a.short_name == EVIL)
    finally:
        store.close()
    bad_run = "evil-<img src=x onerror=alert(1)>"
    import urllib.parse

    pages = [
        get(ui + "/"), get(ui + "/runs/hostile-run"), get(ui + f"/runs/hostile-run/actions/{evil_child.id}"),
        get(ui + "/runs/hostile-run/actions/a0"), get(ui + "/runs/hostile-run/children?parent=a0"),
        get(ui + "/runs/" + urllib.parse.quote(bad_run, safe="")),
        get(ui + "/runs/" + urllib.parse.quote(bad_run, safe="") + "/actions/a0"),
        get(ui + "/runs/hostile-run?q=" + urllib.parse.quote(EVIL, safe="")),
    ]
    for page in pages:
        assert "<script>document" not in page and "<img src=x" not in page
        assert "onerror=" not in page.replace("onerror=&#34;", "").replace("onerror=alert(1)&gt;", "")
    action = pages[2]
    assert "log " + EVIL in html.unescape(action) and "error " + EVIL in html.unescape(action)  # shown, as text


def test_every_response_forbids_inline_script_and_framing(ui):
    reply = request(ui + "/runs/seed-udfs")
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and reply.headers["x-content-type-options"] == "nosniff"


def test_requests_for_another_host_are_refused(ui):
    reply = request(ui + "/", headers={"Host": "attacker.example:80"})
    assert reply.status == 421


def test_listening_on_every_interface_answers_to_addresses_but_not_to_other_names():
    from flyte._ui._security import Hosts

    local, wide = Hosts("127.0.0.1", 8765), Hosts("0.0.0.0", 8765)
    assert "127.0.0.1:8765" in local and "localhost:8765" in local and "[::1]:8765" in local
    assert "192.168.1.5:8765" not in local and "127.0.0.1:8000" not in local
    assert "192.168.1.5:8765" in wide and "[fe80::1]:8765" in wide and "localhost:8765" in wide
    # a name that resolves to this machine is how DNS rebinding gets in: refused even on every interface
    assert "attacker.example:8765" not in wide and "192.168.1.5:9999" not in wide and "" not in wide
    assert "[::1]:80" in Hosts("::1", 80) and "localhost" in Hosts("127.0.0.1", 80)


def test_flyte_ui_on_another_address_warns_and_answers_there(tmp_path):
    with socket.socket() as s:  # a port free on 127.0.0.2 (the server binds it right after)
        s.bind(("127.0.0.2", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "flyte._cli", "ui", "--host", "127.0.0.2", "--port", str(port)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "FLYTE_HOME": str(tmp_path / "home")})
    try:
        assert proc.stderr is not None
        warning = proc.stderr.readline()
        assert warning.startswith("Warning: listening on 127.0.0.2") and "can read your runs" in warning, warning
        assert f"http://127.0.0.2:{port}/ (read-only)" in proc.stderr.readline()
        deadline = time.monotonic() + 60
        while True:  # the banner is printed just before uvicorn binds the socket
            try:
                reply = request(f"http://127.0.0.2:{port}/")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert reply.status == 200 and "Runs" in reply.text
        assert request(f"http://127.0.0.2:{port}/", headers={"Host": "evil.example"}).status == 421
    finally:
        proc.terminate()
        proc.wait(30)


def test_read_only_by_default(ui):
    assert request(ui + "/runs/seed-udfs/delete").status == 403
    assert request(ui + "/runs/seed-udfs/delete", data={"csrf": "x"}).status == 403
    assert request(ui + "/runs/seed-udfs/rerun", data={"csrf": "x"}).status == 403
    assert "/delete" not in get(ui + "/runs/seed-udfs")
    assert request(ui + "/runs/seed-udfs").status == 200  # still there


def test_changes_need_the_flag_a_confirmation_and_the_token(tmp_path):
    home = tmp_path / "home"
    program = tmp_path / "failing.py"
    program.write_text(FAILING)
    assert flyte_run(home, program, "main", "doomed").returncode == 1
    store = SQLiteStore(home)
    try:
        with serving(store, allow_changes=True) as base:
            page = get(base + "/runs/doomed")
            assert 'href="/runs/doomed/delete"' in page
            confirm = get(base + "/runs/doomed/delete")
            token = re.search(r'name="csrf" value="([^"]+)"', confirm).group(1)
            assert request(base + "/runs/doomed/delete", data={}).status == 403  # no token
            assert request(base + "/runs/doomed/delete", data={"csrf": token + "x"}).status == 403
            cross = request(base + "/runs/doomed/delete", data={"csrf": token}, headers={"Origin": "http://evil.example"})
            assert cross.status == 403
            assert (home / "runs" / "doomed").exists()
            done = request(base + "/runs/doomed/delete", data={"csrf": token}, headers={"Origin": base})
            assert done.status == 303
            assert store.get_run("doomed") is None and not (home / "runs" / "doomed").exists()
    finally:
        store.close()


def test_reports_are_served_in_a_sandbox(tmp_path):
    program = tmp_path / "rep.py"
    program.write_text(textwrap.dedent(
        '''
        import flyte, flyte.report
        env = flyte.TaskEnvironment("rep")

        @env.task(report=True)
        async def main() -> int:
            flyte.report.log("<p id='r'>hello</p><script>parent.document.body.dataset.pwned='report'</script>")
            return 1
        '''))
    home = tmp_path / "home"
    assert flyte_run(home, program, "main", "reported").returncode == 0
    store = SQLiteStore(home)
    try:
        with serving(store) as base:
            page = get(base + "/runs/reported/actions/a0")
            assert '<iframe id="report" class="report" sandbox="allow-scripts"' in page
            report = request(base + "/runs/reported/actions/a0/report")
            assert report.status == 200 and "hello" in report.text
            assert report.headers["content-security-policy"].startswith("sandbox allow-scripts;")
    finally:
        store.close()


def test_files_named_by_values_are_downloads_and_nothing_else_is(tmp_path):
    program = tmp_path / "files.py"
    program.write_text(textwrap.dedent(
        '''
        import flyte
        from flyte.io import File
        env = flyte.TaskEnvironment("files")

        @env.task
        async def write() -> File:
            import tempfile, pathlib
            p = pathlib.Path(tempfile.mkdtemp()) / "data.csv"
            p.write_text("a,b\\n1,2\\n")
            return await File.from_local(str(p))

        @env.task
        async def main() -> File:
            return await write()
        '''))
    home = tmp_path / "home"
    proc = flyte_run(home, program, "main", "with-file")
    assert proc.returncode == 0, proc.stderr
    store = SQLiteStore(home)
    try:
        child = next(a for a in store.list_actions("with-file").actions if a.short_name == "write")
        with serving(store) as base:
            page = get(base + f"/runs/with-file/actions/{child.id}")
            assert "a,b\n1,2" in page  # a preview of the file
            link = re.search(r'class="download" href="([^"]+)"', page).group(1)
            reply = request(base + html.unescape(link))
            assert reply.status == 200 and reply.text == "a,b\n1,2\n"
            assert "attachment" in reply.headers["content-disposition"]
            assert reply.headers["content-security-policy"].startswith("sandbox")
            assert request(base + f"/runs/with-file/actions/{child.id}/files/5").status == 404
            assert request(base + f"/runs/with-file/actions/{child.id}/files/..%2F..%2Fetc%2Fpasswd").status == 404
    finally:
        store.close()


def test_flyte_ui_without_its_packages_says_how_to_install(tmp_path):
    # a Python whose "starlette" cannot be imported
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "starlette.py").write_text("raise ImportError('hidden for this test', name='starlette')\n")
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "ui"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": f"{shadow}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
                               "FLYTE_HOME": str(tmp_path / "home")})
    assert proc.returncode == 1 and "pip install 'flyteshift[ui]'" in proc.stderr


def test_import_flyte_does_not_load_the_ui():
    code = "import sys, flyte; print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'jinja2')" \
           " or m.startswith('flyte._ui')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip()
    assert out == "[]"


def test_recover_from_the_ui_resumes_the_run_in_a_process_of_its_own(tmp_path):
    program = tmp_path / "flaky.py"
    program.write_text(textwrap.dedent(
        '''
        import os, flyte
        env = flyte.TaskEnvironment("flaky_ui")

        @env.task
        async def first() -> int:
            print("first ran")
            return 1

        @env.task
        async def second() -> int:
            if not os.path.exists(os.environ["FIXED"]):
                raise RuntimeError("not fixed yet")
            return 2

        @env.task
        async def main() -> int:
            return await first() + await second()
        '''))
    home = tmp_path / "home"
    fixed = tmp_path / "fixed"
    os.environ["FIXED"] = str(fixed)  # the rerun's process inherits the server's environment
    try:
        assert flyte_run(home, program, "main", "to-recover").returncode == 1
        fixed.write_text("yes")
        store = SQLiteStore(home)
        try:
            with serving(store, allow_changes=True) as base:
                page = get(base + "/runs/to-recover")
                assert 'href="/runs/to-recover/rerun?recover=1"' in page
                confirm = get(base + "/runs/to-recover/rerun?recover=1")
                token = re.search(r'name="csrf" value="([^"]+)"', confirm).group(1)
                assert request(base + "/runs/to-recover/rerun", data={"recover": "1"}).status == 403
                reply = request(base + "/runs/to-recover/rerun", data={"csrf": token, "recover": "1"})
                assert reply.status == 303 and reply.headers["location"] == "/runs/to-recover"
                deadline = time.monotonic() + 120
                while True:  # the rerun runs in its own process; wait for it to record the end
                    run = store.get_run("to-recover")
                    if str(run.phase) == "SUCCEEDED":
                        break
                    assert time.monotonic() < deadline, run
                    time.sleep(0.1)
            first = store.list_actions("to-recover", short_name="first").actions
            assert len(first) == 1 and store.get_log("to-recover", first[0].id).text == "first ran\n"  # replayed, not rerun
        finally:
            store.close()
    finally:
        del os.environ["FIXED"]


def test_terminal_codes_in_logs_are_not_shown():
    from flyte._ui._app import plain_text

    assert plain_text("\x1b[1;31mred\x1b[0m and \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "red and link"


def test_dataframes_and_directories_are_previewed(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    program = tmp_path / "frames.py"
    program.write_text(textwrap.dedent(
        '''
        import pathlib, tempfile
        import pandas as pd
        import flyte
        from flyte.io import DataFrame, Dir
        env = flyte.TaskEnvironment("frames")

        @env.task
        async def from_csv() -> DataFrame:
            path = pathlib.Path(tempfile.mkdtemp()) / "weather.csv"
            pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3, 19]}).to_csv(path, index=False)
            return DataFrame.from_existing_remote(str(path), format="csv")

        @env.task
        async def from_frame() -> DataFrame:
            return await DataFrame.from_local(pd.DataFrame({"fruit": ["fig", "kiwi"], "n": [7, 11]}))

        @env.task
        async def folder() -> Dir:
            d = pathlib.Path(tempfile.mkdtemp())
            (d / "b.txt").write_text("b")
            (d / "sub").mkdir()
            (d / "a.txt").write_text("a")
            return await Dir.from_local(str(d))

        @env.task
        async def main() -> int:
            await from_csv()
            await from_frame()
            await folder()
            return 0
        '''))
    home = tmp_path / "home"
    proc = flyte_run(home, program, "main", "frames")
    assert proc.returncode == 0, proc.stderr
    store = SQLiteStore(home)
    try:
        ids = {a.short_name: a.id for a in store.list_actions("frames").actions}
        with serving(store) as base:
            page = html.unescape(get(base + f"/runs/frames/actions/{ids['from_csv']}"))
            assert "DataFrame" in page and re.search(r"city\s+temp", page) and re.search(r"Lima\s+19", page)
            page = html.unescape(get(base + f"/runs/frames/actions/{ids['from_frame']}"))  # parquet, pandas' writer
            assert re.search(r"fruit\s+n", page) and re.search(r"kiwi\s+11", page), page
            page = get(base + f"/runs/frames/actions/{ids['folder']}")
            entries = re.search(r'<ul class="entries">(.*?)</ul>', page, re.S)
            assert entries and re.findall(r"<li>([^<]+)</li>", entries.group(1)) == ["a.txt", "b.txt", "sub/"]
            assert 'class="download"' in page
    finally:
        store.close()


def test_a_log_cut_to_its_tail_says_so(tmp_path):
    program = tmp_path / "chatty.py"
    program.write_text(textwrap.dedent(
        '''
        import flyte
        env = flyte.TaskEnvironment("chatty")

        @env.task
        async def main(n: int) -> int:
            for i in range(n):
                print(f"line {i:04d}")
            return n
        '''))
    home = tmp_path / "home"
    os.environ["FLYTE_LOG_LIMIT"] = "100"
    try:
        assert flyte_run(home, program, "main", "chatty", "--n", "300").returncode == 0
        store = SQLiteStore(home)
    finally:
        del os.environ["FLYTE_LOG_LIMIT"]
    try:
        with serving(store) as base:
            page = get(base + "/runs/chatty/actions/a0")
            shown = re.search(r'<pre[^>]*id="log"[^>]*>(.*?)</pre>', page, re.S).group(1)
            log = html.unescape(re.sub(r'<span class="ts">[^<]*</span>', "", shown))  # the text, without its times
            assert log.endswith("line 0299\n") and len(log) == 100 and "line 0000" not in log
            note = re.search(r'id="truncated">([^<]+)<', page).group(1)
            assert note.startswith(f"{300 * 10 - 100:,} earlier characters were not kept"), note
    finally:
        store.close()
