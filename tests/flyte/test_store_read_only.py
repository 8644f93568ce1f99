"""Stores opened read-only next to a process that records, for real.

A process keeps POSIX locks on the database while it has it open, and closing any descriptor of
the file in that process drops all of them: then another process's last connection takes the
file for itself and deletes the write-ahead log under the writer, whose later commits are lost.
These tests open stores read-only many times, in the writer's process and in others, while it
records, then kill -9 it: the store must replay cleanly with every action it recorded.

Where SQLite cannot make its shared-memory file (a read-only directory: a read-only mount, or a
directory this user cannot write) a store is read with `immutable=1`, which takes no locks and
caches pages as if the file never changed. A process may start writing it all the same (its
owner, through a writable path): such a reader must then see what is committed, never stale or
torn pages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from flyte._store import RunRecord, SQLiteStore
from tests.flyte.bind_mount import read_only_bind_mount

# Records run "w": a root, then children c0, c1, ... as fast as it can, each finished (durable in
# the journal when action_finished returns: its id is then appended to DONE). With READERS=n, a
# thread of its own opens the store read-only n times meanwhile (query, close) and says "inproc n".
# It stops recording after MAX children and lives on until killed.
WRITER = textwrap.dedent(
    """
    import os, sys, threading, time
    from flyte._store import ActionRecord, RunRecord, SQLiteStore

    home, done_path, readers, MAX = sys.argv[1], sys.argv[2], int(sys.argv[3]), 20000
    store = SQLiteStore(home, flush_interval=0.005)
    store.run_started(RunRecord("w", "m.main", "RUNNING", 1.0, None, None, None, None, None, store.owner, None, None,
                                None))
    store.action_started(ActionRecord("w", "a0", None, "m.main", "main", None, "task", "RUNNING", 1, 1.0, None, None,
                                      None, None, None, None))
    store.flush()
    done = os.open(done_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def succeeded(r):
        counts = r.run_counts(["w"]).get("w")
        return counts.succeeded if counts else 0

    def read_meanwhile():
        seen = 0
        for _ in range(readers):
            r = SQLiteStore(home, read_only=True)
            n = succeeded(r)
            r.close()
            assert n >= seen, (n, seen)
            seen = n
        print(f"inproc {readers} {seen}", flush=True)

    print("ready", flush=True)
    threading.Thread(target=read_meanwhile, daemon=True).start()
    for k in range(MAX):
        t = 2.0 + k * 1e-3
        store.action_finished(ActionRecord("w", f"c{k}", "a0", "m.t", "t", None, "task", "SUCCEEDED", 1, t, t, None,
                                           b"x" * 200, None, None, None))
        os.write(done, f"{k}\\n".encode())
        time.sleep(0.0005)  # a pace, so that the readers meet it recording (nothing waits on it)
    threading.Event().wait()  # alive, holding the store, until the kill
    """
)


def _start_writer(home: Path, done: Path, readers: int = 0) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(home), str(done), str(readers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        pytest.fail(f"the writer did not start: {line} {proc.communicate()}")
    return proc


def _done_ids(done: Path) -> list[int]:
    """The children whose end was recorded (a line cut by the kill is not one)."""
    text = done.read_text() if done.exists() else ""
    return [int(x) for x in text.split("\n")[:-1]]


def _kill(proc: subprocess.Popen) -> str:
    os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err
    return err


REPLAY = textwrap.dedent(
    """
    import json, sqlite3, sys
    from flyte._store import SQLiteStore

    store = SQLiteStore(sys.argv[1])
    out = {"recovered": store.recovered_runs, "read_only": store.read_only is not None,
           "succeeded": sorted(a.id for a in store.list_actions("w").actions if str(a.phase) == "SUCCEEDED"),
           "phase": str(store.get_run("w").phase)}
    store.close()
    conn = sqlite3.connect(sys.argv[1] + "/metadata.db")
    out["integrity"] = conn.execute("PRAGMA integrity_check").fetchall()
    print(json.dumps(out))
    """
)


def _replays_with_everything(home: Path, done: Path) -> None:
    """After the kill: the store opens (in a process of its own, as the next `flyte` command
    would), replays, passes integrity_check, and has every child whose end was recorded; the run
    is failed, not left running."""
    ids = _done_ids(done)
    assert len(ids) > 50, "the writer recorded too little to test anything"
    proc = subprocess.run([sys.executable, "-c", REPLAY, str(home)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["recovered"] == ["w"] and not got["read_only"], (got["recovered"], proc.stderr)
    present = set(got["succeeded"])
    missing = [k for k in ids if f"c{k}" not in present]
    assert not missing, f"{len(missing)} recorded children are missing after the replay, first {missing[:5]}"
    assert got["phase"] == "FAILED" and got["integrity"] == [["ok"]], got


def _wait(what: str, check: Callable[[], Any], proc: Optional[subprocess.Popen] = None, deadline: float = 60) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the writer exited ({proc.returncode}) before {what}: {proc.communicate()}")
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")


def test_read_only_openers_in_the_writers_process_and_others_leave_its_locks_alone(tmp_path):
    home = tmp_path / "home"
    done = tmp_path / "done"
    proc = _start_writer(home, done, readers=200)
    try:
        seen, grew = 0, 0
        for k in range(200):  # another process: read-only stores, and now and then a writable one
            reader = SQLiteStore(home, read_only=True)
            try:
                n = _succeeded(reader)
                assert reader.get_run("w") is not None
            finally:
                reader.close()
            assert n >= seen, (n, seen)  # never a view older than one seen before
            grew += n > seen
            seen = n
            if k % 20 == 0:
                SQLiteStore(home).close()  # its close must not take the file from the writer
        inproc = _wait("the writer's own read-only openers", proc.stdout.readline, proc)
        assert inproc.startswith("inproc 200"), inproc
        assert grew > 1, "the readers never saw the writer's later commits"
        # the writer's commits stay visible to new readers after all those closes
        before = len(_done_ids(done))
        _wait("a later commit", lambda: _count(home) > before, proc)
    finally:
        _kill(proc)
    _replays_with_everything(home, done)


def _succeeded(store: SQLiteStore) -> int:
    counts = store.run_counts(["w"]).get("w")
    return counts.succeeded if counts else 0


def _count(home: Path) -> int:
    reader = SQLiteStore(home, read_only=True)
    try:
        return _succeeded(reader)
    finally:
        reader.close()


@pytest.fixture
def read_only_view(tmp_path):
    """`home` and a read-only bind mount of it (root only; skipped with the reason elsewhere)."""
    home = tmp_path / "home"
    home.mkdir()
    with read_only_bind_mount(home, tmp_path / "ro-view") as view:
        yield home, view


def _history(home: Path) -> None:
    store = SQLiteStore(home)
    store.run_started(RunRecord("before", "m.main", "SUCCEEDED", 1.0, 2.0, None, None, None, None, store.owner, None,
                                None, None))
    store.close()
    assert not (home / "metadata.db-shm").exists()  # closed cleanly: nobody has it open


def test_a_store_read_without_locks_follows_a_writer_that_starts_later(read_only_view, tmp_path):
    home, view = read_only_view
    _history(home)
    reader = SQLiteStore(view, read_only=True)
    done = tmp_path / "done"
    try:
        assert reader._unlocked is not None  # SQLite cannot make its shared-memory file here: immutable=1
        assert reader.get_run("before") is not None and reader.get_run("w") is None
        proc = _start_writer(home, done)
        try:
            # the reader, opened before the writer began, sees what it commits (not its cached pages)
            _wait("the run in the reader", lambda: reader.get_run("w") is not None, proc)
            first = len(_done_ids(done))
            _wait("later commits in the reader", lambda: _succeeded(reader) > first + 50, proc)
            for _ in range(50):  # fresh read-only openers through the view meanwhile
                _count(view)
        finally:
            _kill(proc)
        ids = _done_ids(done)
        _replays_with_everything(home, done)
        # the replay committed and closed: the reader sees the final state, consistent
        actions = _wait("the replayed run in the reader",
                        lambda: (lambda a: a if len(a) >= len(ids) + 1 else None)(reader.list_actions("w").actions))
        assert {a.id for a in actions} >= {f"c{k}" for k in ids}
        assert str(reader.get_run("w").phase) == "FAILED"
    finally:
        reader.close()


def test_a_store_read_without_locks_is_never_read_from_cached_pages_after_a_change(read_only_view):
    """The same without a writer process: the database rewritten in between two reads (as a
    writer's checkpoint does) is read afresh."""
    home, view = read_only_view
    _history(home)
    reader = SQLiteStore(view, read_only=True)
    try:
        assert reader._unlocked is not None and [r.name for r in reader.list_runs()] == ["before"]
        for k in range(30):
            writer = SQLiteStore(home)
            writer.run_started(RunRecord(f"r{k}", "m.main", "SUCCEEDED", 3.0 + k, 4.0 + k, b"x" * 5000, None, None,
                                         None, writer.owner, None, None, None))
            writer.close()  # checkpoints into the database file and removes the write-ahead log
            assert reader.list_runs(limit=100)[0].name == f"r{k}"
            assert reader.get_run(f"r{k}").inputs == b"x" * 5000
    finally:
        reader.close()


def test_check_store_reads_a_read_only_directory_while_a_writer_records(read_only_view, tmp_path):
    from flyte._store import check_store

    home, view = read_only_view
    _history(home)
    done = tmp_path / "done"
    proc = _start_writer(home, done)
    try:
        _wait("some records", lambda: len(_done_ids(done)) > 100, proc)
        for _ in range(5):
            report = check_store(view)
            assert report.healthy, report.problems
            assert report.counts["runs"] == 2
    finally:
        _kill(proc)
    _replays_with_everything(home, done)


def test_a_directory_this_user_cannot_write_is_read_while_its_owner_records(tmp_path):
    """chmod: the store's directory is not writable for the reader (nobody); root records in it."""
    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges to nobody")
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="flyte-ro-"))
    try:
        os.chmod(base, 0o755)
        home = base / "home"
        _history(home)
        subprocess.run(["chmod", "-R", "a+rX,a-w", str(home)], check=True)  # root still writes: it ignores them
        done = base / "done"
        go_r, go_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 99
            try:
                os.close(go_w)
                os.close(res_r)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                out: dict[str, Any] = {}
                reader = SQLiteStore(home, read_only=True)
                out["unlocked"] = reader._unlocked is not None
                out["before"] = reader.get_run("before") is not None
                want = int(os.read(go_r, 100) or b"0")  # the writer has recorded at least that many
                end = time.monotonic() + 120
                while time.monotonic() < end and _succeeded(reader) < want:
                    time.sleep(0.01)
                out["seen"] = _succeeded(reader)
                out["fresh"] = _succeeded(SQLiteStore(home, read_only=True))
                reader.close()
                os.write(res_w, json.dumps(out).encode())
                code = 0
            except BaseException as e:
                import traceback

                os.write(res_w, json.dumps({"error": repr(e), "where": traceback.format_exc()}).encode())
            finally:
                os._exit(code)
        os.close(go_r)
        os.close(res_w)
        proc = _start_writer(home, done)
        try:
            _wait("some records", lambda: len(_done_ids(done)) > 100, proc)
            os.write(go_w, b"100")
            os.close(go_w)
            data = b""
            while chunk := os.read(res_r, 1 << 16):
                data += chunk
            os.close(res_r)
            os.waitpid(pid, 0)
        finally:
            _kill(proc)
        got = json.loads(data)
        assert "error" not in got, got
        assert got["unlocked"] and got["before"], got
        assert got["seen"] >= 100 and got["fresh"] >= 100, got
        subprocess.run(["chmod", "-R", "u+w", str(home)], check=True)
        _replays_with_everything(home, done)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(base)], check=True)
        subprocess.run(["rm", "-rf", str(base)], check=True)
