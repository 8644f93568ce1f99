"""The store under real faults: a full disk (a size-limited tmpfs, and RLIMIT_FSIZE), damaged and
missing database files, read-only stores (a user without write permission, a read-only mount, an
immutable file), kills at every step of the journal, and run names that are reused.

Each test injects the fault for real and checks what the user sees (exit code, message naming the
path) and what is lost (nothing that finished). The README's fault table lists them.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Optional

import pytest

from flyte._serde import Codec
from flyte._store import Phase, SQLiteStore
from tests.flyte.bind_mount import read_only_bind_mount

PROGRAM = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    import flyte

    env = flyte.TaskEnvironment("faulty")
    LOG = os.environ.get("SIDE_LOG")
    KILL_AFTER = int(os.environ.get("KILL_AFTER", "-1"))
    STARTED = 0


    def note(text):
        if LOG:
            fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, (text + "\\n").encode())
            os.close(fd)


    @env.task
    async def leaf(i: int) -> str:
        # The bodies of a gather run one after another (none awaits), each recorded before the
        # next starts: killing at the start of body K+1 kills after K finished children.
        global STARTED
        STARTED += 1
        if STARTED == KILL_AFTER + 1:
            os.kill(os.getpid(), signal.SIGKILL)
        note(f"ran {i}")
        return "x" * int(os.environ.get("PAYLOAD", "10")) + str(i)


    @env.task
    async def mid(j: int, n: int) -> int:
        total = 0
        for i in range(n):
            total += len(await leaf(j * 1000 + i))
        return total


    @env.task
    async def main(n: int) -> int:
        out = await asyncio.gather(*[leaf(i) for i in range(n)])
        return len(out)


    @env.task
    async def nested(groups: int, n: int) -> int:
        return sum(await asyncio.gather(*[mid(j, n) for j in range(groups)]))
    """
)


def _write_program(tmp_path: Path) -> Path:
    prog = tmp_path / "faulty.py"
    prog.write_text(PROGRAM)
    return prog


def _flyte(home: Path, *args: str, env: Optional[dict[str, str]] = None, preexec: Any = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    """`flyte ARGS` in a fresh interpreter on the store at `home`."""
    full_env = {**os.environ, "FLYTE_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "flyte._cli", *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout, preexec_fn=preexec)


def _limit_file_size(limit: int) -> Any:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def _open(home: Path, **kw: Any) -> SQLiteStore:
    return SQLiteStore(home, **kw)


def _tree_is_whole(store: SQLiteStore, run: str) -> list:
    actions = store.list_actions(run).actions
    ids = {a.id for a in actions}
    orphans = [a.id for a in actions if a.parent is not None and a.parent not in ids]
    assert not orphans, f"actions of {run} whose parent is not recorded: {orphans[:5]}"
    assert len(ids) == len(actions), "an action is recorded twice"
    return actions


def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


# -- a full disk --------------------------------------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MiB tmpfs (root only); skipped with the reason where mounting is refused."""
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here ({proc.stderr.strip() or 'mount failed'}); "
                    "the RLIMIT_FSIZE tests cover a full disk instead")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_is_an_error_naming_the_path_and_the_run_fails_with_it(small_tmpfs, tmp_path):
    prog = _write_program(tmp_path)
    home = small_tmpfs / "home"
    proc = _flyte(home, "run", "--name", "big", str(prog), "main", "--n", "3000", env={"PAYLOAD": "1500"})
    # No signal (a SIGBUS on the mapped journal was the old failure): an exit with a message.
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "No space left on device" in proc.stdout + proc.stderr and str(home) in proc.stdout + proc.stderr
    assert "Completed" not in proc.stdout
    _no_traceback(proc)
    # Space is freed: the next open replays what finished and fails the run with the reason.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_tmpfs)], check=True)
    store = _open(home)
    try:
        run = store.get_run("big")
        assert run.phase == Phase.FAILED and run.error_code == "StoreFullError", run
        assert "No space left on device" in run.error
        actions = _tree_is_whole(store, "big")
        done = [a for a in actions if a.parent == "a0" and a.phase == Phase.SUCCEEDED]
        assert done, "children that finished before the disk filled are kept"
        assert not list((home / "journal").glob("*.journal"))  # replayed, then removed
    finally:
        store.close()


def test_a_file_size_limit_never_kills_and_nothing_finished_is_lost(tmp_path):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    # Room for the journal's small segments but not for the database: the run cannot be saved.
    proc = _flyte(home, "run", "--name", "limited", str(prog), "main", "--n", "2000", env={"PAYLOAD": "1500"},
                  preexec=_limit_file_size(512 * 1024))
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    out = proc.stdout + proc.stderr
    assert "could not be saved" in out and str(home / "metadata.db") in out and "ulimit -f" in out
    assert "Completed" not in proc.stdout
    _no_traceback(proc)
    # Without the limit, the next open replays the journal: the run and all its children are there.
    store = _open(home)
    try:
        run = store.get_run("limited")
        assert run.phase == Phase.SUCCEEDED
        actions = _tree_is_whole(store, "limited")
        assert len(actions) == 2001 and all(a.phase == Phase.SUCCEEDED for a in actions)
    finally:
        store.close()


def test_a_journal_that_cannot_be_reserved_fails_the_run_before_anything_runs(tmp_path):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    _open(home).close()  # an existing store: opening it again writes nothing
    proc = _flyte(home, "run", "--name", "tiny", str(prog), "main", "--n", "3", env={"SIDE_LOG": str(tmp_path / "log")},
                  preexec=_limit_file_size(48 * 1024))  # room for the database, not for a 64 KiB segment
    assert proc.returncode == 1, proc.stderr
    assert "reserve space for the journal" in proc.stderr and "64.0 KiB needed" in proc.stderr, proc.stderr
    assert not (tmp_path / "log").exists()  # nothing ran: nothing could have been recorded
    store = _open(home)
    try:
        assert store.get_run("tiny") is None
    finally:
        store.close()


def test_a_replay_that_does_not_fit_keeps_the_journal_for_later(tmp_path):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    log = tmp_path / "log"
    proc = _flyte(home, "run", "--name", "killed", str(prog), "main", "--n", "400",
                  env={"KILL_AFTER": "300", "PAYLOAD": "3000", "SIDE_LOG": str(log)})
    assert proc.returncode == -signal.SIGKILL
    segments = sorted((home / "journal").glob("*"))
    assert any(p.suffix == ".journal" for p in segments) and any(p.suffix == ".lock" for p in segments)
    # The next process has no room to replay: it opens anyway, says why, and keeps the journal.
    probe = textwrap.dedent(f"""
        from flyte._store import SQLiteStore
        s = SQLiteStore({str(home)!r})
        print("ERRORS", len(s.recovery_errors), s.recovery_errors[0] if s.recovery_errors else "")
        s.close()
    """)
    limit = max((home / "metadata.db").stat().st_size, 64 * 1024) + 8192  # room to open, not to replay 300 actions
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, preexec_fn=_limit_file_size(limit))
    assert "ERRORS 1" in proc.stdout and "replay the journal" in proc.stdout, proc.stdout + proc.stderr
    assert sorted((home / "journal").glob("*")) == segments
    # With room again, everything the killed process finished is there.
    store = _open(home)
    try:
        run = store.get_run("killed")
        assert run.phase == Phase.FAILED and run.error_code == "ProcessExited"
        actions = _tree_is_whole(store, "killed")
        ran = {int(line.split()[1]) for line in log.read_text().splitlines()}
        codec = Codec()
        recorded = {codec.unpack(a.inputs)["i"] for a in actions if a.parent == "a0" and a.phase == Phase.SUCCEEDED}
        assert recorded and recorded <= ran
        assert not list((home / "journal").glob("*"))
    finally:
        store.close()


# -- damaged, empty and missing databases -------------------------------------------------------------


def _history(tmp_path: Path, runs: int = 40, n: int = 20) -> tuple[Path, Path]:
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    driver = textwrap.dedent(f"""
        import sys
        import flyte
        from flyte._loader import load_module_from_file
        mod = load_module_from_file({str(prog)!r})
        for i in range({runs}):
            flyte.with_runcontext(name=f"run-{{i:03d}}").run(mod.main, {n})
    """)
    subprocess.run([sys.executable, "-c", driver], check=True, env={**os.environ, "FLYTE_HOME": str(home), "PAYLOAD": "60"},
                   timeout=300)
    return home, prog


def _rows(db: Path) -> dict[str, set]:
    conn = sqlite3.connect(db)
    try:
        return {t: set(conn.execute(f"SELECT * FROM {t}")) for t in ("runs", "actions")}
    finally:
        conn.close()


def _damage_middle_pages(db: Path, pages: int = 2) -> None:
    size = db.stat().st_size
    middle = size // 4096 // 2
    with open(db, "r+b") as f:
        for page in range(middle, middle + pages):
            f.seek(page * 4096)
            f.write(bytes(range(256)) * 16)


def test_a_damaged_database_is_refused_clearly_and_recovered_without_deleting_anything(tmp_path):
    home, prog = _history(tmp_path)
    db = home / "metadata.db"
    before = _rows(db)
    _damage_middle_pages(db)
    damaged = db.read_bytes()

    proc = _flyte(home, "run", "--name", "after-damage", str(prog), "main", "--n", "3")
    assert proc.returncode == 1 and "Completed" not in proc.stdout
    assert str(db) in proc.stderr and "flyte store recover" in proc.stderr
    for cmd in (["get", "runs"], ["get", "run", "run-001"], ["get", "actions", "run-001"], ["get", "io", "run-001"]):
        got = _flyte(home, *cmd)
        assert got.returncode == 1 and "damaged" in got.stderr and str(db) in got.stderr, (cmd, got.stdout, got.stderr)
        _no_traceback(got)
    check = _flyte(home, "store", "check")
    assert check.returncode == 1 and "damaged" in check.stdout

    rec = _flyte(home, "store", "recover")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    aside = next(home.glob("damaged-*"))
    assert (aside / "metadata.db").read_bytes() == damaged  # kept as it was
    after = _rows(db)
    # Every row that came back is exactly as it was; only rows on the damaged pages are gone.
    assert after["runs"] <= before["runs"] and after["actions"] <= before["actions"]
    assert len(after["runs"]) == len(before["runs"])
    assert len(after["actions"]) >= 0.8 * len(before["actions"])
    assert _flyte(home, "store", "check").returncode == 0
    ok = _flyte(home, "run", "--name", "after-recover", str(prog), "main", "--n", "3")
    assert ok.returncode == 0 and "Completed" in ok.stdout, ok.stdout + ok.stderr


def test_garbage_in_the_header_is_refused(tmp_path):
    home, _ = _history(tmp_path, runs=2, n=2)
    with open(home / "metadata.db", "r+b") as f:
        f.write(b"this is not sqlite")
    proc = _flyte(home, "get", "runs")
    assert proc.returncode == 1 and "not an SQLite database" in proc.stderr and str(home / "metadata.db") in proc.stderr


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
def test_a_store_open_for_long_sees_runs_other_processes_record_later(tmp_path, read_only):
    """`flyte ui` keeps its store open while `flyte run` records runs in other processes; in the
    UI's process other stores open and close on the same file (a second view, a check). Closing
    any descriptor of the file drops every POSIX lock this process holds on it: a header read
    with open()/close() let a run's last connection delete the write-ahead log under the open
    store, which then never saw a later run's actions."""
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    assert _flyte(home, "run", "--name", "before", str(prog), "main", "--n", "2").returncode == 0
    reader = _open(home, read_only=read_only)
    try:
        assert [a.id for a in reader.list_actions("before").actions][:1] == ["a0"]
        _open(home, read_only=True).close()  # other stores in this process, opened and closed
        _open(home).close()
        for k in range(3):
            name = f"later-{k}"
            proc = _flyte(home, "run", "--name", name, str(prog), "main", "--n", "2")
            assert proc.returncode == 0, proc.stderr
            run = reader.get_run(name)
            assert run is not None and run.phase == Phase.SUCCEEDED, run
            actions = reader.list_actions(name).actions
            assert [a.id for a in actions][:1] == ["a0"] and len(actions) == 3, actions
            assert reader.get_action(name, "a0") is not None
    finally:
        reader.close()


@pytest.mark.parametrize("how", ["empty", "missing"])
def test_an_empty_or_missing_database_next_to_a_history_is_an_error_and_recover_rebuilds_it(tmp_path, how):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    assert _flyte(home, "run", "--name", "earlier", str(prog), "main", "--n", "2").returncode == 0
    # A run killed with records only in its journal, then the database lost.
    killed = _flyte(home, "run", "--name", "killed", str(prog), "main", "--n", "50", env={"KILL_AFTER": "0"})
    assert killed.returncode == -signal.SIGKILL
    db = home / "metadata.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if how == "empty":
        db.write_bytes(b"")
    proc = _flyte(home, "get", "runs")
    assert proc.returncode == 1 and f"is {how}" in proc.stderr and "not a new store" in proc.stderr, proc.stderr
    assert _flyte(home, "store", "check").returncode == 1
    rec = _flyte(home, "store", "recover")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    store = _open(home)
    try:
        run = store.get_run("killed")  # rebuilt from its journal
        assert run is not None and run.phase == Phase.FAILED
        _tree_is_whole(store, "killed")
    finally:
        store.close()
    if how == "empty":
        assert (next(home.glob("damaged-*")) / "metadata.db").read_bytes() == b""


# -- read-only stores ---------------------------------------------------------------------------------


def _read_only_checks(home: Path, prog: Path, run_as: Any = None) -> None:
    """Reading works; recording says which path is not writable."""
    for cmd in (["get", "runs"], ["get", "actions", "run-000"], ["get", "run", "run-001"]):
        got = run_as(cmd) if run_as else _flyte(home, *cmd)
        assert got[0] == 0 and "run-00" in got[1], (cmd, got)
    got = run_as(["run", str(prog), "main", "--n", "2"]) if run_as else _flyte(home, "run", str(prog), "main", "--n", "2")
    assert got[0] == 1 and "not writable" in got[1] and str(home) in got[1] and "Traceback" not in got[1], got


def _as_cli(proc: subprocess.CompletedProcess) -> tuple[int, str]:
    return proc.returncode, proc.stdout + proc.stderr


def test_a_store_this_user_cannot_write_can_be_read(tmp_path):
    """As an unprivileged user (root ignores permission bits: a forked child drops to nobody)."""
    # Everything the child needs is imported before the fork: nobody may not read root's interpreter.
    import click.testing
    import rich.console
    import rich.table
    import rich.tree  # noqa: F401

    import flyte._cli._params
    import flyte._loader  # noqa: F401
    from flyte._cli import main as cli

    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges to nobody")
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="flyte-ro-"))
    os.chmod(base, 0o755)
    home, prog = _history(base, runs=2, n=3)
    subprocess.run(["chmod", "-R", "a+rX,a-w", str(home)], check=True)
    os.chmod(prog, 0o644)

    def as_nobody(args: list[str]) -> tuple[int, str]:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 99
            try:
                os.close(r)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                os.environ["FLYTE_HOME"] = str(home)
                result = click.testing.CliRunner().invoke(cli, args)
                os.write(w, json.dumps([result.exit_code, result.output]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        data = b""
        while chunk := os.read(r, 1 << 16):
            data += chunk
        os.close(r)
        os.waitpid(pid, 0)
        code, output = json.loads(data)
        return code, output

    try:
        _read_only_checks(home, prog, as_nobody)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(base)], check=True)
        subprocess.run(["rm", "-rf", str(base)], check=True)


def test_a_read_only_mount_can_be_read(tmp_path):
    home, prog = _history(tmp_path, runs=2, n=3)
    with read_only_bind_mount(home, tmp_path / "ro-view") as view:
        _read_only_checks(view, prog, lambda cmd: _as_cli(_flyte(view, *cmd)))


def test_an_immutable_database_file_can_be_read(tmp_path):
    home, prog = _history(tmp_path, runs=2, n=3)
    db = home / "metadata.db"
    proc = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"chattr +i is refused here ({proc.stderr.strip()})")
    try:
        _read_only_checks(home, prog, lambda cmd: _as_cli(_flyte(home, *cmd)))
        got = _as_cli(_flyte(home, "run", str(prog), "main", "--n", "2"))
        assert str(db) in got[1]
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)


# -- kills: the tree is whole ---------------------------------------------------------------------------


@pytest.mark.parametrize("task,args", [("main", ["--n", "3000"]), ("nested", ["--groups", "4", "--n", "50"])])
def test_a_kill_early_in_a_large_run_leaves_a_whole_tree(tmp_path, task, args):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    log = tmp_path / "log"
    proc = _flyte(home, "run", "--name", "early", str(prog), task, *args, env={"KILL_AFTER": "5", "SIDE_LOG": str(log)})
    assert proc.returncode == -signal.SIGKILL
    store = _open(home)
    try:
        assert store.get_run("early").phase == Phase.FAILED
        actions = _tree_is_whole(store, "early")
        root = [a for a in actions if a.id == "a0"]
        assert root and root[0].phase == Phase.FAILED  # the root is there, failed by the recovery
        finished = [a for a in actions if a.task == "faulty.leaf" and a.phase == Phase.SUCCEEDED]
        assert len(finished) >= 5
        if task == "nested":  # the parents still running at the kill are recorded too
            assert {a.task for a in actions} == {"faulty.nested", "faulty.mid", "faulty.leaf"}
    finally:
        store.close()


# -- run names ---------------------------------------------------------------------------------------------


def test_a_succeeded_runs_name_is_refused_and_rerun_recover_returns_its_outputs(tmp_path):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    log = tmp_path / "log"
    env = {"SIDE_LOG": str(log)}
    assert _flyte(home, "run", "--name", "nightly", str(prog), "main", "--n", "3", env=env).returncode == 0
    ran = log.read_text()
    again = _flyte(home, "run", "--name", "nightly", str(prog), "main", "--n", "3", env=env)
    assert again.returncode == 1 and "already succeeded" in again.stderr and "--replace" in again.stderr
    _no_traceback(again)
    rec = _flyte(home, "rerun", "nightly", "--recover", env=env)
    assert rec.returncode == 0 and "Outputs" in rec.stdout and "3" in rec.stdout, rec.stdout + rec.stderr
    assert log.read_text() == ran  # nothing ran again, nothing was deleted
    store = _open(home)
    try:
        assert len(store.list_actions("nightly").actions) == 4
    finally:
        store.close()
    replaced = _flyte(home, "run", "--name", "nightly", "--replace", str(prog), "main", "--n", "3", env=env)
    assert replaced.returncode == 0 and log.read_text().count("ran 0") == 2


def test_a_failed_runs_name_resumes_only_with_its_own_task(tmp_path):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    assert _flyte(home, "run", "--name", "n1", str(prog), "main", "--n", "20", env={"KILL_AFTER": "3"}).returncode < 0
    other = _flyte(home, "run", "--name", "n1", str(prog), "nested", "--groups", "1", "--n", "1")
    assert other.returncode == 1 and "ran task 'faulty.main'" in other.stderr
    resumed = _flyte(home, "run", "--name", "n1", str(prog), "main", "--n", "20")
    assert resumed.returncode == 0 and "Completed" in resumed.stdout


# -- the journal's steps, each cut by a kill ---------------------------------------------------------------

_KILL_AT = textwrap.dedent(
    """
    import os, signal, sys
    import flyte
    from flyte._store import _journal

    env = flyte.TaskEnvironment("steps")

    @env.task
    def item(i: int) -> int:
        return i

    @env.task
    def main(n: int) -> int:
        return sum(flyte.map(item, range(n)))

    if sys.argv[1] == "after-commit":  # the batch is committed; its segments are not reset or removed yet
        _journal.JournalSegment.reset = lambda self: os.kill(os.getpid(), signal.SIGKILL)
        _journal.JournalSegment.close_and_remove = lambda self: os.kill(os.getpid(), signal.SIGKILL)
    flyte.with_runcontext(name="steps").run(main, 300)
    """
)


def test_a_kill_between_a_commit_and_the_journal_cleanup_applies_nothing_twice(tmp_path):
    prog = tmp_path / "steps.py"
    prog.write_text(_KILL_AT)
    home = tmp_path / "home"
    proc = subprocess.run([sys.executable, str(prog), "after-commit"], env={**os.environ, "FLYTE_HOME": str(home)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert list((home / "journal").glob("*.journal"))  # committed, and still there
    store = _open(home)
    try:
        actions = _tree_is_whole(store, "steps")  # fails on an action recorded twice
        assert len([a for a in actions if a.task == "steps.item"]) == 300
    finally:
        store.close()


_RESUME_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from flyte._store import ActionRecord, RunRecord, SQLiteStore

    home, stage = sys.argv[1], sys.argv[2]
    store = SQLiteStore(home, flush_interval=3600)  # nothing reaches SQLite but through the journal

    def rec(aid, parent, phase, start, packed=False):
        end = None if phase == "RUNNING" else start + 1
        return ActionRecord("r", aid, parent, "m.t", aid.rstrip("0123456789"), None, "task", phase, 1, start, end,
                            b"\\x80", None if phase != "SUCCEEDED" else b"\\x01", None, None, None)

    keep = {a.id for a in store.list_actions("r").actions if a.phase == "SUCCEEDED"}
    store.prepare_resume("r", keep)
    if stage == "recorded":
        store.run_started(RunRecord("r", "m.main", "RUNNING", 100.0, None, b"\\x80", None, None, None, store.owner,
                                    None, None, None))
        store.action_started(rec("a0", None, "RUNNING", 100.0))
        store.action_started(rec("p", "a0", "RUNNING", 101.0))
        store.action_finished(rec("c1", "a0", "SUCCEEDED", 102.0))
        store.actions_finished([rec(f"m{i}", "p", "SUCCEEDED", 103.0 + i) for i in (1, 3)])
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _resumable(home: Path) -> dict:
    """A failed run: its root and a parent failed; singles c0..c2 and packed items m0..m3 under the
    parent, the odd ones failed. Returns the stored records by id."""
    from flyte._store import ActionRecord, RunRecord

    def rec(aid: str, parent: Optional[str], phase: str, start: float) -> ActionRecord:
        return ActionRecord("r", aid, parent, "m.t", aid.rstrip("0123456789"), None, "task", phase, 1, start, start + 1,
                            b"\x80", b"\x01" if phase == "SUCCEEDED" else None, None, None, None)

    store = _open(home)
    try:
        store.run_started(RunRecord("r", "m.main", "FAILED", 1.0, 9.0, b"\x80", None, None, None, store.owner,
                                    None, None, None))
        store.action_finished(rec("a0", None, "FAILED", 1.0))
        store.action_finished(rec("p", "a0", "FAILED", 2.0))
        for i in range(3):
            store.action_finished(rec(f"c{i}", "a0", "FAILED" if i % 2 else "SUCCEEDED", 3.0 + i))
        store.actions_finished([rec(f"m{i}", "p", "FAILED" if i % 2 else "SUCCEEDED", 4.0 + i) for i in range(4)])
        return {a.id: a for a in store.list_actions("r").actions}
    finally:
        store.close()


@pytest.mark.parametrize("stage", ["prepared", "recorded"])
def test_a_kill_while_a_run_resumes_keeps_every_record_once(tmp_path, stage):
    """Resuming keeps every record: a kill right after the resume began leaves the run as it
    was; a kill after new records (alone and packed) were journaled leaves each action once,
    with its newest record, under a parent that is there, and counts that match the rows."""
    home = tmp_path / "home"
    before = _resumable(home)
    prog = tmp_path / "resume_then_die.py"
    prog.write_text(_RESUME_THEN_DIE)
    proc = subprocess.run([sys.executable, str(prog), str(home), stage], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    store = _open(home)  # replays the dead process's journal
    try:
        actions = _tree_is_whole(store, "r")
        after = {a.id: a for a in actions}
        assert set(after) == set(before)
        if stage == "prepared":
            assert after == before
        else:
            again = {"a0", "p", "c1", "m1", "m3"}
            assert {a for a in after if after[a].start_time >= 100.0} == again
            assert {a for a in after if after[a].phase == Phase.SUCCEEDED} == {"c0", "c1", "c2", "m0", "m1", "m2", "m3"}
        counts = store.run_counts(["r"])["r"]
        assert counts.succeeded + counts.failed + counts.running == len(actions)
        assert (counts.succeeded, counts.failed) == (sum(a.phase == Phase.SUCCEEDED for a in actions),
                                                     sum(a.phase == Phase.FAILED for a in actions))
    finally:
        store.close()


def test_files_a_kill_left_while_taking_a_lock_are_swept_at_the_next_open(tmp_path):
    """A kill between creating a lock under its private name and renaming it (or, claiming a
    dead journal, between creating and unlinking the claim) left the file for good."""
    home = tmp_path / "home"
    _open(home).close()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    journal = home / "journal"
    left = [journal / f".{dead_pid}-0123456789.locking", journal / f".{dead_pid}-0123456789.claim-abcdef01"]
    alive = journal / f".{os.getpid()}-0123456789.locking"  # a live process between creating and locking it
    for p in (*left, alive):
        p.write_bytes(b"")
    _open(home).close()
    assert [p for p in left if p.exists()] == [] and alive.exists()


def test_journal_segments_without_a_lock_are_replayed(tmp_path):
    prog = _write_program(tmp_path)
    home = tmp_path / "home"
    proc = _flyte(home, "run", "--name", "lockless", str(prog), "main", "--n", "30", env={"KILL_AFTER": "20"})
    assert proc.returncode == -signal.SIGKILL
    for lock in (home / "journal").glob("*.lock"):
        lock.unlink()  # as an older version's failed replay did
    store = _open(home)
    try:
        assert store.get_run("lockless").phase == Phase.FAILED
        done = [a for a in _tree_is_whole(store, "lockless") if a.phase == Phase.SUCCEEDED]
        assert len(done) == 20
    finally:
        store.close()
    assert not list((home / "journal").iterdir())


# -- recovery keeps what schema 4 added ----------------------------------------------------------------

OBSERVED = textwrap.dedent(
    """
    import asyncio, os, signal
    import flyte

    env = flyte.TaskEnvironment("obs")

    @env.task
    async def chatty(i: int) -> int:
        print(f"line {i} from chatty")
        return i

    @env.task(report=True)
    async def reporting() -> str:
        flyte.report.log("<p>a kept report</p>")
        await flyte.report.flush.aio()
        return "ok"

    @env.task
    async def main(n: int) -> int:
        await reporting()
        out = await asyncio.gather(*[chatty(i) for i in range(n)])
        if os.environ.get("KILL_AT_END"):
            os.kill(os.getpid(), signal.SIGKILL)
        return sum(out)
    """
)


def _observed(db: Path, run: str) -> dict[str, list]:
    conn = sqlite3.connect(db)
    try:
        return {
            "logs": conn.execute("SELECT action, attempt, text, dropped FROM logs WHERE run=? ORDER BY 1, 2", (run,)).fetchall(),
            "reports": conn.execute("SELECT action, blob FROM reports WHERE run=? ORDER BY 1", (run,)).fetchall(),
            "groups": conn.execute("SELECT * FROM action_groups WHERE run=? ORDER BY 2, 3, 4, 5, 6", (run,)).fetchall(),
        }
    finally:
        conn.close()


def test_recover_keeps_logs_reports_and_fan_out_counts_and_replays_them_from_a_journal(tmp_path):
    prog = tmp_path / "observed.py"
    prog.write_text(OBSERVED)
    home = tmp_path / "home"
    done = _flyte(home, "run", "--name", "kept", str(prog), "main", "--n", "6")
    assert done.returncode == 0, done.stdout + done.stderr
    db = home / "metadata.db"
    before = _observed(db, "kept")
    assert len(before["logs"]) == 6 and len(before["reports"]) == 1 and before["groups"], before
    # A run killed after its children finished: their logs may exist only in its journal.
    killed = _flyte(home, "run", "--name", "killed", str(prog), "main", "--n", "4", env={"KILL_AT_END": "1"})
    assert killed.returncode == -signal.SIGKILL

    rec = _flyte(home, "store", "recover", "--force")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert "logs" in rec.stdout and "reports" in rec.stdout
    assert _observed(db, "kept") == before  # copied row for row; the aggregates recomputed to the same

    store = _open(home)
    try:
        counts = store.run_counts(["kept", "killed"])
        assert counts["kept"].succeeded == 8 and counts["kept"].running == 0  # main, reporting, 6 chatty
        actions = _tree_is_whole(store, "killed")
        chatty = [a for a in actions if a.task == "obs.chatty"]
        assert len(chatty) == 4 and all(a.phase == Phase.SUCCEEDED for a in chatty)
        assert counts["killed"].succeeded == 5 and counts["killed"].failed == 1  # main failed by the recovery
        for a in chatty:
            page = store.get_log("killed", a.id)
            assert page is not None and "from chatty" in page.text, (a.id, page)
        report = store.get_report("kept", before["reports"][0][0])
        assert report is not None and "a kept report" in report
    finally:
        store.close()
    assert _flyte(home, "store", "check").returncode == 0


def test_check_on_a_new_home_says_it_is_new(tmp_path):
    home = tmp_path / "never-used"
    check = _flyte(home, "store", "check")
    assert check.returncode == 0 and "new store" in check.stdout and "healthy" not in check.stdout, check.stdout
    rec = _flyte(home, "store", "recover")
    assert rec.returncode == 0 and "new store" in rec.stdout, rec.stdout
    assert not home.exists()  # checking creates nothing
