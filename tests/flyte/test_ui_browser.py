"""The web UI in a real browser: Debian's headless Chromium, driven by Playwright.

Screenshots of every step are kept under $FLYTE_UI_ARTIFACTS (default: ui-screenshots in the
session's pytest temporary directory) and their paths printed. Without Playwright or Chromium
these tests are skipped, unless FLYTE_UI_BROWSER_REQUIRED=1 (as in .ci/run, which installs both).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from flyte._store import SQLiteStore
from tests.flyte.test_ui import FAILING, FANOUT, HOSTILE, SEEDS, flyte_run
from tests.flyte.ui_support import EVIL, serving

CHROMIUM = os.environ.get("FLYTE_UI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    for mod in ("starlette", "uvicorn", "jinja2"):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed"
    return ""


if _missing():
    if os.environ.get("FLYTE_UI_BROWSER_REQUIRED") == "1":
        raise RuntimeError(f"browser tests required but {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

# A shared machine under load can take seconds to paint: waits are for events, not timing.
expect.set_options(timeout=60_000)


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    where = os.environ.get("FLYTE_UI_ARTIFACTS")
    path = Path(where) if where else tmp_path_factory.getbasetemp() / "ui-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(60_000)
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    yield pg
    assert pg.dialogs == [], "a page opened a dialog"  # type: ignore[attr-defined]
    assert pg.errors == [], "the page script failed"  # type: ignore[attr-defined]
    context.close()


def snap(page, shots: Path, name: str) -> None:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-home")
    programs = tmp_path_factory.mktemp("browser-programs")
    for name, text in (("hostile.py", HOSTILE), ("failing.py", FAILING), ("fanout.py", FANOUT)):
        (programs / name).write_text(text)
    for program, task, name, args, rc in (
        (SEEDS / "short_names.py", "main", "seed-short-names", (), 0),
        (SEEDS / "udfs.py", "main", "seed-udfs", (), 0),
        (programs / "failing.py", "main", "failed-run", (), 1),
        (programs / "hostile.py", "main", "hostile-run", (), 0),
        (programs / "fanout.py", "main", "fanout-run", ("--n", "120"), 0),
    ):
        proc = flyte_run(home, program, task, name, *args)
        assert proc.returncode == rc, proc.stderr
    store = SQLiteStore(home)
    with serving(store) as base:
        yield base, home
    store.close()


def test_seed_run_shows_renamed_actions_by_short_name(ui, page, shots):
    base, _ = ui
    page.goto(base + "/")
    page.get_by_role("link", name="seed-short-names").click()
    tree = page.locator("#tree")
    # the override(short_name=...) names and the decorator's short names, as the user gave them
    for short in ("entrypoint", "my_task", "my_name"):
        expect(tree.get_by_role("link", name=short, exact=True)).to_be_visible()
    snap(page, shots, "seed-short-names-run")
    tree.get_by_role("link", name="my_name", exact=True).click()
    expect(page.locator("h1 .shortname")).to_have_text("my_name")
    expect(page.locator(".taskname")).to_have_text("friendly_names.some_task")
    snap(page, shots, "seed-short-names-my_name")


def test_a_pickled_callable_input_is_named(ui, page, shots):
    base, _ = ui
    page.goto(base + "/runs/seed-udfs")
    links = page.locator("#tree a.name", has_text="run_udf")
    expect(links).to_have_count(2)
    seen = []
    for i in range(2):
        page.goto(base + "/runs/seed-udfs")
        page.locator("#tree a.name", has_text="run_udf").nth(i).click()
        udf = page.locator("tr", has=page.locator("th.valname", has_text="udf")).locator(".pickled")
        seen.append(udf.inner_text())
        snap(page, shots, f"seed-udfs-run_udf-{i}")
    assert sorted(seen) == ["pickled function udfs.fn_add_two_udf", "pickled task udfs.add_one_udf"]


def test_a_failed_action_is_followed_to_its_traceback_and_logs(ui, page, shots):
    base, _ = ui
    page.goto(base + "/?phase=failed")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    page.get_by_role("link", name="failed-run").click()
    expect(page.locator("#failure")).to_contain_text("ValueError: bad value 3")
    snap(page, shots, "failed-run")
    page.locator("#failed-action").click()
    expect(page.locator("#traceback")).to_contain_text('raise ValueError(f"bad value {x}")')
    expect(page.locator("#log")).to_contain_text("about to fail on 3\n")
    assert log_lines(page) == [("about to fail on 3\n", True)]
    snap(page, shots, "failed-action")


# The lines of the action page's log as shown: (text, whether a time in HH:MM:SS.mmm is shown before it).
LOG_LINES = """() => {
  const out = [];
  let time = false;
  for (const n of document.getElementById("log").childNodes) {
    if (n.nodeType === 1 && n.classList.contains("ts")) { time = /^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$/.test(n.textContent); continue; }
    out.push([n.textContent, time]);
    time = false;
  }
  return out;
}"""


def log_lines(page) -> list[tuple[str, bool]]:
    return [tuple(x) for x in page.evaluate(LOG_LINES)]


def wait_for_log(page, text: str) -> None:
    """Until the action page's log (without its times) contains `text`."""
    page.wait_for_function(f"text => ({LOG_LINES})().map(p => p[0]).join('').includes(text)", arg=text,
                           timeout=60_000)


def test_a_large_fan_out_opens_a_page_of_members_at_a_time(ui, page, shots):
    base, _ = ui
    page.goto(base + "/runs/fanout-run")
    fan = page.locator(".row.fan", has_text="item")
    expect(fan).to_contain_text("\u00d7120")
    fan.locator("button.toggle").click()
    members = page.locator(".row.fan + .kids .node")
    expect(members).to_have_count(50)
    page.get_by_role("button", name="more members…").click()
    expect(members).to_have_count(100)
    snap(page, shots, "fanout-members")


def test_the_inlined_stylesheet_applies_under_the_page_policy(ui, page, shots):
    """The stylesheet is inlined (allowed by its hash, no other inline style is) and the runs table has a fixed layout."""
    base, _ = ui
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(base + "/")
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") == "rgb(24, 34, 48)"
    assert page.evaluate("getComputedStyle(document.getElementById('runs')).tableLayout") == "fixed"
    # a run name wider than its column wraps inside it: shown whole, never cut or spilled over the next column
    name = page.locator("td.runname").first
    box, task = name.bounding_box(), page.locator("#runs tbody tr").first.locator("td").nth(1).bounding_box()
    assert box and task and box["x"] + box["width"] <= task["x"] + 1
    assert violations == []
    snap(page, shots, "runs-page")


def test_nothing_a_run_recorded_runs_as_script(ui, page, shots):
    base, _ = ui
    for url in ("/", "/runs/hostile-run", "/runs/hostile-run?q=x"):
        page.goto(base + url)
        assert page.evaluate("document.body.dataset.pwned") is None
    page.goto(base + "/runs/hostile-run")
    link = page.locator("#tree a.name").filter(has_text="<script>")
    expect(link).to_have_count(1)
    expect(link).to_have_text(EVIL)  # the hostile short name, shown as text
    link.click()
    expect(page.locator("#log")).to_contain_text("log " + EVIL + "\n")
    assert log_lines(page) == [("log " + EVIL + "\n", True)]
    expect(page.locator("#error")).to_contain_text("error " + EVIL)
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("img[src=x]").count() == 0
    snap(page, shots, "hostile-action")


LIVE = textwrap.dedent(
    '''
    import os
    import flyte

    env = flyte.TaskEnvironment("live")
    _gate = []

    def gate():
        if not _gate:
            _gate.append(open(os.environ["LIVE_FIFO"]))  # waits for the test to open the other end
        return _gate[0]

    @env.task
    def step(i: int) -> int:
        gate().readline()  # one line from the test lets one step finish
        print(f"step {i} done")
        return i

    @env.task
    def main(n: int) -> int:
        return sum(step(i) for i in range(n))
    '''
)


TIMELINE = textwrap.dedent(
    '''
    import asyncio
    import flyte

    env = flyte.TaskEnvironment("timeline")
    _started = []
    _both = asyncio.Event()
    _tries = {"n": 0}

    @env.task
    async def together(i: int) -> int:
        _started.append(i)
        if len(_started) == 2:
            _both.set()
        await _both.wait()  # neither ends before both have begun: they run at the same time
        print(f"together {i}")
        return i

    @env.task
    async def alone(i: int) -> int:
        return i

    @env.task(retries=1)
    async def flaky() -> int:
        _tries["n"] += 1
        if _tries["n"] == 1:
            raise RuntimeError("first try fails")
        return 1

    @env.task(cache="auto")
    async def cached(x: int) -> int:
        return x

    @env.task
    async def main() -> int:
        a, b = await asyncio.gather(together(1), together(2))
        c = await alone(3)  # begins after both ended
        await cached(1)
        await cached.override(short_name="cached_again")(1)
        return a + b + c + await flaky()
    '''
)


def _span(page, short: str) -> tuple[float, float]:
    box = page.locator(".row", has=page.get_by_role("link", name=short, exact=True)).locator(".bar").bounding_box()
    assert box is not None and box["width"] > 0, f"no timeline bar for {short}"
    return box["x"], box["x"] + box["width"]


def test_the_timeline_shows_what_ran_at_once_with_attempts_cache_hits_and_durations(ui, page, shots, tmp_path):
    base, home = ui
    program = tmp_path / "timeline.py"
    program.write_text(TIMELINE)
    proc = flyte_run(home, program, "main", "timeline-run")
    assert proc.returncode == 0, proc.stderr
    page.goto(base + "/runs/timeline-run")
    tree = page.locator("#tree")
    expect(tree.get_by_role("link", name="together", exact=True)).to_have_count(2)
    # the two gathered calls overlap on the timeline; the call awaited after them starts to their right
    bars = tree.locator(".row", has=page.get_by_role("link", name="together", exact=True)).locator(".bar")
    (a0, a1), (b0, b1) = ((box["x"], box["x"] + box["width"]) for box in (bars.nth(0).bounding_box(),
                                                                          bars.nth(1).bounding_box()))
    assert a0 < b1 and b0 < a1, ((a0, a1), (b0, b1))
    track = tree.locator(".row .track").first.bounding_box()
    slack = 0.003 * track["width"] + 1  # a bar is drawn at least 0.3% wide
    alone0, _ = _span(page, "alone")
    assert alone0 >= max(a1, b1) - slack, (alone0, a1, b1)
    assert alone0 >= track["x"] and _span(page, "flaky")[1] <= track["x"] + track["width"] + 1
    # attempts, cache hits and durations
    flaky = tree.locator(".row", has=page.get_by_role("link", name="flaky", exact=True))
    expect(flaky.locator(".tries")).to_have_text("2 attempts")
    again = tree.locator(".row", has=page.get_by_role("link", name="cached_again", exact=True))
    expect(again.locator(".tag.cache")).to_be_visible()
    first = tree.locator(".row", has=page.get_by_role("link", name="cached", exact=True))
    expect(first.locator(".tag.cache")).to_have_count(0)
    for short in ("together", "alone", "flaky"):
        took = tree.locator(".row", has=page.get_by_role("link", name=short, exact=True)).first.locator(".took")
        assert re.fullmatch(r"\d+\.\d\ds|\d+m\d\ds", took.inner_text().strip()), took.inner_text()
    expect(page.locator("#axis")).to_contain_text("0s")
    snap(page, shots, "timeline-run")
    flaky.get_by_role("link", name="flaky", exact=True).click()
    expect(page.locator(".attempts")).to_contain_text("RuntimeError: first try fails")
    snap(page, shots, "timeline-flaky")


def test_a_live_runs_counts_rise_as_its_actions_finish(ui, page, shots, tmp_path):
    base, home = ui
    program = tmp_path / "live.py"
    program.write_text(LIVE)
    fifo = tmp_path / "gate"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flyte._cli", "--no-progress", "run", "--name", "live-run", str(program), "main", "--n", "4"],
        env={**os.environ, "FLYTE_HOME": str(home), "LIVE_FIFO": str(fifo)}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    opened: list = []
    opener = threading.Thread(target=lambda: opened.append(open(fifo, "w")), daemon=True)  # blocks until the run reads
    opener.start()
    try:
        store = SQLiteStore(home)
        try:
            deadline = time.monotonic() + 120
            while store.get_run("live-run") is None:  # the run's start reaches SQLite within a flush interval
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
        finally:
            store.close()
        runs_page = page.context.new_page()  # stays open on the runs page: its row must change by itself
        runs_page.goto(base + "/")
        live_row = runs_page.locator('tr[data-run="live-run"]')
        expect(live_row.locator(".phase")).to_contain_text("RUNNING")
        page.goto(base + "/runs/live-run")
        succeeded = page.locator('#counts [data-count="succeeded"] b')
        running = page.locator('#counts [data-count="running"]')
        expect(running).to_be_visible()
        opener.join(120)
        gate = opened[0]
        for k in range(1, 4):
            gate.write("go\n")
            gate.flush()
            expect(succeeded).to_have_text(str(k), timeout=60_000)  # the page updates itself
            expect(page.locator("#phase")).to_have_text("RUNNING")
            snap(page, shots, f"live-run-{k}")
        gate.write("go\n")  # the last step: the run ends with it
        gate.flush()
        expect(page.locator("#phase")).to_have_text("SUCCEEDED", timeout=60_000)
        expect(page.locator('#counts [data-count="succeeded"] b')).to_have_text("5", timeout=60_000)
        snap(page, shots, "live-run-done")
        expect(live_row.locator(".phase")).to_contain_text("SUCCEEDED", timeout=60_000)
        snap(runs_page, shots, "live-run-runs-page")
        assert proc.wait(120) == 0
    finally:
        if opened:
            opened[0].close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


TALKER = textwrap.dedent(
    '''
    import os, sys
    import flyte

    env = flyte.TaskEnvironment("talker")

    @env.task
    def main() -> int:
        gate = open(os.environ["LIVE_FIFO"])  # waits for the test to open the other end
        print("first line")
        print("half", end="")
        sys.stdout.flush()
        gate.readline()  # the test saw the half line: the rest of it comes in a later page
        print(" and the rest")
        print("second line")
        gate.readline()
        return 1
    '''
)


def _open_writer(fifo: Path, proc: subprocess.Popen):
    """The write end of `fifo`, once `proc` has opened its read end."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return os.fdopen(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "w")
        except OSError:  # ENXIO: no reader yet
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)


def test_a_running_actions_output_is_followed_line_by_line_with_times(ui, page, shots, tmp_path):
    base, home = ui
    program = tmp_path / "talker.py"
    program.write_text(TALKER)
    fifo = tmp_path / "gate"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flyte._cli", "--no-progress", "run", "--name", "talking-run", str(program), "main"],
        env={**os.environ, "FLYTE_HOME": str(home), "LIVE_FIFO": str(fifo)}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    gate = _open_writer(fifo, proc)  # the run has opened the other end: its action is running
    try:
        store = SQLiteStore(home)
        try:
            deadline = time.monotonic() + 120
            while store.get_action("talking-run", "a0") is None:  # its start reaches SQLite within a flush interval
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
        finally:
            store.close()
        page.goto(base + "/runs/talking-run/actions/a0")
        wait_for_log(page, "first line\nhalf")  # in the page, or followed
        gate.write("go\n")
        gate.flush()
        wait_for_log(page, "second line\n")
        # one time per line: the half line's rest came in a later page, after the gate, and gets none of its own
        assert log_lines(page) == [("first line\n", True), ("half", True), (" and the rest\n", False),
                                   ("second line\n", True)]
        snap(page, shots, "followed-log")
        gate.write("go\n")
        gate.flush()
        assert proc.wait(120) == 0, proc.communicate()
    finally:
        gate.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


REPORT = textwrap.dedent(
    '''
    import flyte, flyte.report
    env = flyte.TaskEnvironment("rep")

    @env.task(report=True)
    async def main() -> int:
        flyte.report.log(
            "<p id='r'>hello from the report</p>"
            "<script>"
            "try { parent.document.body.dataset.pwned = 'report'; document.getElementById('r').textContent = 'escaped'; }"
            " catch (e) { document.getElementById('r').textContent = 'kept in its sandbox'; }"
            "</script>")
        return 1
    '''
)


def test_a_report_runs_in_its_sandbox_and_cannot_reach_the_page(ui, page, shots, tmp_path):
    base, home = ui
    program = tmp_path / "rep.py"
    program.write_text(REPORT)
    proc = flyte_run(home, program, "main", "report-run")
    assert proc.returncode == 0, proc.stderr
    page.goto(base + "/runs/report-run/actions/a0")
    frame = page.frame_locator("#report")
    expect(frame.locator("#r")).to_have_text("kept in its sandbox")  # its script ran, and could not reach the UI
    assert page.evaluate("document.body.dataset.pwned") is None
    snap(page, shots, "report")


RETRIED = """
import flyte
env = flyte.TaskEnvironment("retried_ui")
tries = {"n": 0}

@env.task(retries=1)
async def main() -> int:
    tries["n"] += 1
    print(f"body try {tries['n']}")
    if tries["n"] == 1:
        raise ValueError("first try fails")
    return tries["n"]
"""


def test_the_runtime_lines_of_a_log_are_dimmed_and_can_be_hidden(tmp_path, page, shots):
    (tmp_path / "retried.py").write_text(RETRIED)
    proc = flyte_run(tmp_path / "home", tmp_path / "retried.py", "main", "retried-run")
    assert proc.returncode == 0, proc.stderr
    store = SQLiteStore(tmp_path / "home")
    try:
        with serving(store) as base:
            page.goto(base + "/runs/retried-run/actions/a0?attempt=1")
            note = page.locator("#log .sys")
            expect(note).to_have_count(1)
            expect(note).to_contain_text("flyte: attempt 1 failed (ValueError: first try fails); attempt 2 of 2 starts")
            expect(note).to_be_visible()
            snap(page, shots, "log-with-runtime-lines")
            page.locator("#hide-system").check()
            expect(note).to_be_hidden()
            expect(page.locator("#log")).to_contain_text("body try 1\n")
            snap(page, shots, "log-runtime-lines-hidden")
            page.locator("#hide-system").uncheck()
            expect(note).to_be_visible()
    finally:
        store.close()
