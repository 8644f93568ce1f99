"""What the store keeps for readers (CLI, web UI) besides the records: bounded logs per attempt,
reports, fan-out aggregates and counts per run; on both stores, and for SQLite across a kill -9."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from flyte._store import ActionCounts, ActionRecord, AttemptRecord, MemoryStore, RunRecord, SQLiteStore
from flyte._store._logs import merge as merge_piece
from flyte._store._sqlite import SCHEMA_VERSION


@pytest.fixture(params=["sqlite", "memory"])
def store(request, tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_LOG_LIMIT", "100")
    s = SQLiteStore(tmp_path, flush_interval=3600) if request.param == "sqlite" else MemoryStore(tmp_path)
    yield s
    s.close()


def _action(run, aid, parent="a0", phase="SUCCEEDED", task="m.t", short="t", start=1.0, group=None, attempts=1,
            cache=None):
    end = None if phase == "RUNNING" else start + 1
    return ActionRecord(run, aid, parent, task, short, group, "task", phase, attempts, start, end, b"\x80", None,
                        None, None, cache)


def _run(name, start=1.0, phase="RUNNING"):
    return RunRecord(name, "m.main", phase, start, None, b"\x80", None, None, None, "me", None, None, None)


# -- logs ---------------------------------------------------------------------------------------------


def test_an_attempts_output_is_kept_in_order_and_read_from_a_token(store):
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "hello\n")
    store.log_written("r", "a1", 1, "world\n")
    page = store.get_log("r", "a1")
    assert (page.text, page.attempt, page.dropped, page.start) == ("hello\nworld\n", 1, 0, 0)
    store.log_written("r", "a1", 1, "more\n")
    later = store.get_log("r", "a1", after=page.next_token)
    assert (later.text, later.start) == ("more\n", 12)
    assert store.get_log("r", "a1", after=later.next_token).text == ""
    assert store.get_log("r", "nobody") is None


def test_attempts_are_kept_apart(store):
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "first try\n")
    store.log_written("r", "a1", 2, "second try\n")
    assert store.log_attempts("r", "a1") == [1, 2]
    assert store.get_log("r", "a1").text == "second try\n"  # the latest attempt by default
    assert store.get_log("r", "a1", attempt=1).text == "first try\n"


def test_a_chatty_action_keeps_its_tail_and_says_how_much_was_dropped(store):
    store.run_started(_run("r"))
    lines = [f"line {i:04d}\n" for i in range(500)]  # 5,000 characters, the limit is 100
    for line in lines:
        store.log_written("r", "a1", 1, line)
    page = store.get_log("r", "a1")
    whole = "".join(lines)
    assert len(page.text) == 100 and whole.endswith(page.text)
    assert page.dropped == len(whole) - 100
    # a reader following from the start learns that it missed some
    assert store.get_log("r", "a1", after="0").dropped == len(whole) - 100


def test_bad_log_tokens_are_refused(store):
    store.log_written("r", "a1", 1, "x")
    with pytest.raises(ValueError, match="not a log token"):
        store.get_log("r", "a1", after="nope")


def test_merging_a_piece_twice_changes_nothing():
    def merge(*args):  # marks as a list, to compare
        text, dropped, marks = merge_piece(*args)
        return text, dropped, list(marks)

    once = merge(None, 0, "abc\n", 10, [0, 1.0])
    assert once == ("abc\n", 0, [0, 1.0])
    assert merge(once, 0, "abc\n", 10, [0, 1.0]) == once  # a journal replayed after its commit
    assert merge(once, 4, "def\n", 10, [0, 2.0]) == ("abc\ndef\n", 0, [0, 1.0, 4, 2.0])
    # overlapping: only the new part, and only the marks that date it
    assert merge(("abc\ndef\n", 0, [0, 1.0, 4, 2.0]), 4, "def\ngh", 10, [0, 2.0, 4, 3.0]) == \
        ("abc\ndef\ngh", 0, [0, 1.0, 4, 2.0, 8, 3.0])
    # a gap: what came between was dropped
    assert merge(("abc\n", 0, [0, 1.0]), 20, "xyz", 10, [0, 5.0]) == ("xyz", 20, [20, 5.0])
    # appended, then cut to the limit: the line cut into keeps its time
    assert merge(("abc\ndef\n", 0, [0, 1.0, 4, 2.0]), -1, "ghi", 10, [0, 3.0]) == \
        ("bc\ndef\nghi", 1, [1, 1.0, 4, 2.0, 8, 3.0])
    # a log stored before times were: its lines have none, later ones do
    assert merge(("abc\n", 0), -1, "d\n", 10, [0, 4.0]) == ("abc\nd\n", 0, [4, 4.0])


def test_each_line_is_dated_by_the_write_that_began_it(store):
    store.run_started(_run("r"))
    before = time.time()
    store.log_written("r", "a1", 1, "first\n")
    after = time.time()
    # forwarded from a worker: several writes in one text, each with its time
    store.log_written("r", "a1", 1, "sec", [(0, 100.0)])
    store.log_written("r", "a1", 1, "ond\nthird\nfou", [(0, 200.0)])
    store.log_written("r", "a1", 1, "rth\n", [(0, 300.0)])
    store.log_written("r", "a1", 1, "fifth\nsixth\n", [(0, 400.0), (6, 500.0)])
    page = store.get_log("r", "a1")
    lines = page.lines()
    assert [line for _, line in lines] == ["first\n", "second\n", "third\n", "fourth\n", "fifth\n", "sixth\n"]
    assert before <= lines[0][0] <= after
    # a line is as old as its first character; lines of one write share its time
    assert [t for t, _ in lines[1:]] == [100.0, 200.0, 200.0, 400.0, 500.0]
    # a page read from a token dates its lines too, a page that starts inside a line too
    later = store.get_log("r", "a1", after=str(len("first\nsecond\nthird\nfo")))
    assert later.lines() == [(200.0, "urth\n"), (400.0, "fifth\n"), (500.0, "sixth\n")]


def test_the_kept_tail_keeps_the_times_of_its_lines(store):
    store.run_started(_run("r"))
    for i in range(50):  # 500 characters, the limit is 100
        store.log_written("r", "a1", 1, f"line {i:04d}\n", [(0, 1000.0 + i)])
    page = store.get_log("r", "a1")
    assert page.lines() == [(1000.0 + i, f"line {i:04d}\n") for i in range(40, 50)]
    store.log_written("r", "a1", 1, "abcd", [(0, 2000.0)])  # the kept text now starts inside a line
    page = store.get_log("r", "a1")
    assert page.lines()[0] == (1040.0, " 0040\n") and page.lines()[-1] == (2000.0, "abcd")


def _as_version_4(home) -> None:
    """Make a store what version 4 (before the times of log lines) left: its logs table without them."""
    conn = sqlite3.connect(home / "metadata.db")
    conn.executescript("""
        CREATE TABLE logs_v4 (
            run TEXT NOT NULL, action TEXT NOT NULL, attempt INTEGER NOT NULL, text TEXT NOT NULL,
            dropped INTEGER NOT NULL, PRIMARY KEY (run, action, attempt)
        ) WITHOUT ROWID;
        INSERT INTO logs_v4 SELECT run, action, attempt, text, dropped FROM logs;
        DROP TABLE logs;
        ALTER TABLE logs_v4 RENAME TO logs;
        UPDATE meta SET value = '4' WHERE key = 'schema_version';
    """)
    conn.close()


def test_a_version_4_store_is_read_as_it_is_and_upgraded_in_place(tmp_path, monkeypatch):
    store = SQLiteStore(tmp_path, flush_interval=3600)
    store.run_started(_run("old"))
    store.log_written("old", "a1", 1, "written before times\n")
    store.action_finished(_action("old", "a1"))
    store.close()
    _as_version_4(tmp_path)
    reader = SQLiteStore(tmp_path, read_only=True)  # may not write: reads it without upgrading it
    try:
        assert reader.get_log("old", "a1").lines() == [(None, "written before times\n")]
    finally:
        reader.close()
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        assert store.get_log("old", "a1").lines() == [(None, "written before times\n")]
        # a piece a version 4 process journaled before it died (no marks) is applied on replay
        store._merge_log(("old", "a1", 1, len("written before times\n"), "journaled by version 4\n"))
        store.run_started(_run("new"))
        before = time.time()
        store.log_written("new", "a1", 1, "dated\n")
        store.action_finished(_action("new", "a1"))
        store.flush()
        [(t, _)] = store.get_log("new", "a1").lines()
        assert before <= t <= time.time()
        assert store.get_log("old", "a1").lines() == [(None, "written before times\n"), (None, "journaled by version 4\n")]
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "metadata.db")
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    conn.close()
    # the CLI shows a line without a time as such
    from click.testing import CliRunner

    from flyte._cli import main

    monkeypatch.setenv("FLYTE_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["get", "logs", "old", "a1", "--show-ts"], catch_exceptions=False)
    assert result.stdout == "[-] written before times\n[-] journaled by version 4\n"


def test_the_memory_of_pending_output_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_LOG_LIMIT", "1000")
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        store.run_started(_run("r"))
        for _ in range(10_000):
            store.log_written("r", "a1", 1, "x" * 100)
        assert sum(p.size for p in store._logs.pending.values()) <= 2000
        page = store.get_log("r", "a1")
        assert len(page.text) == 1000 and page.dropped == 999_000
    finally:
        store.close()


KILLED = textwrap.dedent(
    """
    import sys, time
    from flyte._store import ActionRecord, RunRecord, SQLiteStore
    store = SQLiteStore(sys.argv[1], flush_interval=3600)   # nothing reaches SQLite before the kill
    store.run_started(RunRecord("r", "m.main", "RUNNING", 1.0, None, None, None, None, None, store.owner, None, None, None))
    store.log_written("r", "a1", 1, "before the end\\n")
    store.action_finished(ActionRecord("r", "a1", "a0", "m.t", "t", None, "task", "SUCCEEDED", 1, 1.0, 2.0, None, None,
                                       None, None, None))
    store.log_written("r", "a2", 1, "still running\\n")   # not durable: its action has not ended
    store.report_written("r", "a1", "<h1>report</h1>")
    print("ready", flush=True)
    time.sleep(600)
    """
)


def kill_when_ready(program: str, store_dir) -> None:
    """Run `program` on `store_dir` and kill -9 it once it prints "ready" (its writes are done)."""
    proc = subprocess.Popen([sys.executable, "-c", program, str(store_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_output_written_before_an_actions_end_survives_a_kill(tmp_path):
    kill_when_ready(KILLED, tmp_path)
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        assert store.recovered_runs == ["r"]
        assert store.get_log("r", "a1").text == "before the end\n"
        assert store.get_report("r", "a1") == "<h1>report</h1>"
        assert store.run_counts(["r"])["r"].succeeded == 1
    finally:
        store.close()


KILLED_WITH_TIMES = textwrap.dedent(
    """
    import sys, time
    from flyte._store import ActionRecord, RunRecord, SQLiteStore
    store = SQLiteStore(sys.argv[1], flush_interval=3600)
    store.run_started(RunRecord("r", "m.main", "RUNNING", 1.0, None, None, None, None, None, store.owner, None, None, None))
    def ended(aid):
        store.action_finished(ActionRecord("r", aid, "a0", "m.t", "t", None, "task", "SUCCEEDED", 1, 1.0, 2.0, None, None,
                                           None, None, None))
    store.log_written("r", "a1", 1, "committed\\n", [(0, 100.0)])
    ended("a1")
    store.flush()                                               # in SQLite
    store.log_written("r", "a2", 1, "journaled\\nonly\\n", [(0, 200.0), (10, 300.0)])
    ended("a2")                                                 # only in the journal
    print("ready", flush=True)
    time.sleep(600)
    """
)


def test_times_of_log_lines_survive_a_kill_and_a_recovery(tmp_path):
    from flyte._store._maintenance import recover_store

    kill_when_ready(KILLED_WITH_TIMES, tmp_path)
    recover_store(tmp_path)  # copies what SQLite has, applies what the journal has
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        assert store.get_log("r", "a1").lines() == [(100.0, "committed\n")]
        assert store.get_log("r", "a2").lines() == [(200.0, "journaled\n"), (300.0, "only\n")]
    finally:
        store.close()


def test_a_replayed_journal_does_not_repeat_output(tmp_path):
    """The journal is replayed after a crash between a commit and the journal's removal: the
    output it holds was stored already, and stays stored once."""
    store = SQLiteStore(tmp_path, flush_interval=3600)
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "once\n")
    store.action_finished(_action("r", "a1"))
    pieces = [row for kind, row in _journal_rows(store) if kind == "L"]
    store.flush()
    for piece in pieces:
        store._merge_log(piece)
    assert store.get_log("r", "a1").text == "once\n"
    store.close()


def test_what_a_rerun_action_wrote_before_a_resume_is_kept_and_marked(store):
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "done\n")
    store.action_finished(_action("r", "a1"))
    store.log_written("r", "a2", 1, "first try\n")
    store.attempt_failed(AttemptRecord("r", "a2", 1, 1.0, 2.0, "E", "boom"))
    store.log_written("r", "a2", 2, "second try, then the kill\n")
    store.action_started(_action("r", "a2", phase="RUNNING", attempts=2))
    store.prepare_resume("r", {"a1"})
    store.run_started(_run("r"))  # as a resumed run starts again
    assert store.get_log("r", "a2") is None and store.log_attempts("r", "a2") == []  # the new execution wrote nothing yet
    earlier = store.earlier_logs("r", "a2")
    assert [(p.attempt, p.text, p.earlier.execution, p.earlier.phase) for p in earlier] == [
        (1, "first try\n", 1, "RUNNING"), (2, "second try, then the kill\n", 1, "RUNNING")]
    assert "died" in earlier[0].earlier.describe() and earlier[0].earlier.resumed > 1e9
    assert store.earlier_logs("r", "a1") == [] and store.get_log("r", "a1").text == "done\n"  # kept, not rerun
    # the new execution's attempts start again at 1, apart from the earlier ones
    store.action_started(_action("r", "a2", phase="RUNNING", start=5.0))
    store.log_written("r", "a2", 1, "resumed\n")
    store.action_finished(_action("r", "a2", phase="FAILED", start=5.0))
    assert store.get_log("r", "a2").text == "resumed\n"
    assert [p.text for p in store.earlier_logs("r", "a2")] == ["first try\n", "second try, then the kill\n"]
    # a second resume makes that the second earlier execution
    store.prepare_resume("r", {"a1"})
    assert [(p.earlier.execution, p.attempt, p.text, p.earlier.phase) for p in store.earlier_logs("r", "a2")] == [
        (1, 1, "first try\n", "RUNNING"), (1, 2, "second try, then the kill\n", "RUNNING"), (2, 1, "resumed\n", "FAILED")]


def test_earlier_executions_keep_the_limit_of_one_attempt_together(store):
    # FLYTE_LOG_LIMIT=100: each attempt keeps its last 100 characters; the earlier executions of
    # an action keep their last 100 together, the oldest output going first
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "a" * 80 + "\n", [(0, 10.0)])
    store.prepare_resume("r", set())
    store.run_started(_run("r"))  # as a resumed run starts again
    store.log_written("r", "a1", 1, "b" * 150)
    store.prepare_resume("r", set())
    pages = store.earlier_logs("r", "a1")
    assert [(p.earlier.execution, p.text, p.dropped) for p in pages] == [(1, "", 81), (2, "b" * 100, 50)]
    assert sum(len(p.text) for p in pages) <= store.log_limit
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "c" * 30)
    store.prepare_resume("r", set())
    pages = store.earlier_logs("r", "a1")
    assert [(p.text, p.dropped) for p in pages] == [("", 81), ("b" * 70, 80), ("c" * 30, 0)]


def test_recover_and_check_keep_the_logs_of_earlier_executions(tmp_path, monkeypatch):
    from flyte._store._maintenance import check_store, recover_store

    store = SQLiteStore(tmp_path, flush_interval=3600)
    store.run_started(_run("r"))
    store.log_written("r", "a1", 1, "before the resume\n", [(0, 50.0)])
    store.action_started(_action("r", "a1", phase="RUNNING"))
    store.prepare_resume("r", set())
    store.close()
    assert check_store(tmp_path).counts["earlier_logs"] == 1
    report = recover_store(tmp_path)
    assert report.copied["logs of earlier executions"] == 1
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        [page] = store.earlier_logs("r", "a1")
        assert page.lines() == [(50.0, "before the resume\n")] and page.earlier.execution == 1
    finally:
        store.close()


def _journal_rows(store):
    from flyte._store._journal import read_records

    return list(read_records(store._segment.path))


# -- reports ------------------------------------------------------------------------------------------


def test_reports_replace_earlier_ones(store):
    store.report_written("r", "a1", "<p>one</p>")
    store.report_written("r", "a1", "<p>two</p>")
    assert store.get_report("r", "a1") == "<p>two</p>"
    assert store.get_report("r", "a2") is None


# -- aggregates ---------------------------------------------------------------------------------------


def test_groups_count_a_fan_out_by_phase(store):
    store.run_started(_run("r"))
    store.action_started(_action("r", "a0", parent=None, phase="RUNNING", task="m.main", short="main", start=0.5))
    store.action_started(_action("r", "prep", phase="RUNNING", task="m.prep", short="prep", start=0.6))
    store.flush()
    store.action_finished(_action("r", "prep", task="m.prep", short="prep", start=0.6))
    items = [_action("r", f"i{k:03d}", task="m.item", short="item", start=1 + k / 1000,
                     phase="FAILED" if k % 10 == 0 else "SUCCEEDED") for k in range(100)]
    store.actions_finished(items[:50])
    store.actions_finished(items[50:])
    store.action_finished(_action("r", "hit", task="m.cached", short="cached", start=2.0, cache="hit"))
    groups = store.action_groups("r", parents=["a0"])
    assert [(g.short_name, g.counts.total) for g in groups] == [("prep", 1), ("item", 100), ("cached", 1)]
    item = groups[1]
    assert (item.counts.succeeded, item.counts.failed, item.first_id) == (90, 10, "i000")
    assert item.last_end == pytest.approx(1 + 99 / 1000 + 1)
    assert groups[2].counts.cache_hits == 1
    root = store.action_groups("r", parents=[None])
    assert [(g.short_name, g.counts.running) for g in root] == [("main", 1)]
    counts = store.run_counts(["r", "unknown"])
    assert counts == {"r": ActionCounts(running=1, succeeded=92, failed=10, cache_hits=1)}


def test_a_started_action_counts_as_running_until_it_ends(store):
    store.run_started(_run("r"))
    for k in range(5):
        store.action_started(_action("r", f"c{k}", phase="RUNNING", start=1 + k))
    store.flush()
    assert store.run_counts(["r"])["r"] == ActionCounts(running=5)
    store.action_finished(_action("r", "c0", start=1))
    store.action_finished(_action("r", "c1", phase="FAILED", start=2))
    assert store.run_counts(["r"])["r"] == ActionCounts(running=3, succeeded=1, failed=1)


def test_groups_follow_a_resume_and_delete(store, tmp_path):
    store.run_started(_run("r"))
    for k in range(10):
        store.action_finished(_action("r", f"c{k}", start=1 + k, phase="SUCCEEDED" if k < 6 else "FAILED"))
    store.log_written("r", "c7", 1, "gone soon\n")
    store.log_written("r", "c1", 1, "stays\n")
    store.prepare_resume("r", {f"c{k}" for k in range(6)})
    assert store.run_counts(["r"])["r"] == ActionCounts(succeeded=6, failed=4)  # kept until they run again
    assert store.get_log("r", "c7") is None and store.get_log("r", "c1").text == "stays\n"
    assert [p.text for p in store.earlier_logs("r", "c7")] == ["gone soon\n"]  # kept as its earlier execution
    store.action_started(_action("r", "c6", phase="RUNNING", start=20))
    store.actions_finished([_action("r", f"c{k}", start=20 + k) for k in (7, 8)])
    assert store.run_counts(["r"])["r"] == ActionCounts(running=1, succeeded=8, failed=1)
    store.action_finished(_action("r", "c6", start=20))
    assert store.run_counts(["r"])["r"] == ActionCounts(succeeded=9, failed=1)
    assert len(store.list_actions("r").actions) == 10
    run_dir = store.home / "runs" / "r"
    (run_dir / "c1").mkdir(parents=True)
    (run_dir / "c1" / "report.html").write_text("x")
    store.delete_run("r")
    assert store.run_counts(["r"]) == {} and store.action_groups("r") == []
    assert store.get_log("r", "c1") is None and store.earlier_logs("r", "c7") == []
    assert not run_dir.exists()


def test_deleting_a_run_never_removes_files_outside_its_directory(store, tmp_path):
    victim = store.home / "keep-me"
    victim.mkdir()
    store.delete_run("../keep-me")
    assert victim.exists()


def test_members_of_a_group_are_listed_with_filters(store):
    store.run_started(_run("r"))
    for k in range(30):
        store.action_finished(_action("r", f"x{k:02d}", task="m.x" if k % 3 else "m.y", short="x" if k % 3 else "y",
                                      start=1 + k, group="g" if k % 2 else None))
    ids = [a.id for a in store.list_actions("r", task="m.y").actions]
    assert ids == [f"x{k:02d}" for k in range(0, 30, 3)]
    ids = [a.id for a in store.list_actions("r", short_name="x", group_name="").actions]
    assert ids == [f"x{k:02d}" for k in range(30) if k % 3 and not k % 2]
    page = store.list_actions("r", task="m.x", limit=5)
    assert len(page.actions) == 5 and page.next_token


def test_runs_are_found_by_part_of_their_name(store):
    for name in ("nightly-1", "nightly-2", "adhoc"):
        store.run_started(_run(name))
    assert sorted(r.name for r in store.list_runs(name="night")) == ["nightly-1", "nightly-2"]


def test_an_item_of_a_packed_batch_is_found_by_id(store):
    store.actions_finished([_action("r", f"m{k:04d}", start=1 + k / 100) for k in range(300)])
    assert store.get_action("r", "m0123").start_time == pytest.approx(2.23)
    assert store.get_action("r", "m9999") is None
