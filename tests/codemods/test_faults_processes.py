"""flyte-migrate under process and disk faults, for real: kill -9 of the command and of its
workers, Ctrl-C/SIGTERM, a file that crashes the parser, a file size limit, a full file system.

What must hold: every file holds either its old content or its complete migrated content; no
worker outlives the command; a file whose write failed is unchanged and reported; the next
run finishes the job and cleans up after the killed one.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from codemods import migrate_paths

from ._faultkit import (
    WF,
    alive,
    big_workflow,
    children,
    cli,
    each_is_old_or_new,
    expected_migrations,
    needs_proc,
    start_cli,
    stop,
    temp_leftovers,
    tree_files,
    wait_until,
)


def _repo(tmp_path: Path, files: int, tasks: int) -> tuple[Path, list[str]]:
    root = tmp_path / "repo"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    names = []
    for i in range(files):
        (pkg / f"wf{i:03d}.py").write_text(big_workflow(tasks))
        names.append(f"pkg/wf{i:03d}.py")
    return root, names


def _workers(proc: subprocess.Popen, n: int) -> list[tuple[int, str]]:
    return wait_until(lambda: (lambda c: c if len(c) >= n else None)(children(proc.pid)), f"{n} worker processes")


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# -- the command's own processes -----------------------------------------------------------------
def test_kill_9_of_the_command_leaves_no_worker_behind(tmp_path: Path) -> None:
    needs_proc()
    root, _ = _repo(tmp_path, files=24, tasks=12)
    proc = start_cli(str(root), "--no-progress", "--jobs", "2")
    workers = _workers(proc, 2)
    stop(proc)  # frozen mid-run: the run cannot end on its own while we kill it
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    wait_until(lambda: not any(alive(w) for w in workers), "the workers to die with the command", deadline=60)


def test_kill_9_during_a_large_run_leaves_every_file_old_or_new_and_the_next_run_finishes(tmp_path: Path) -> None:
    needs_proc()
    root, names = _repo(tmp_path, files=30, tasks=12)
    old = tree_files(root)
    new = {**old, **expected_migrations(root, names)}
    killed_at = []
    for threshold in (1, 10, 20):  # kill after 1, 10 and 20 files are written (each run resumes)
        proc = start_cli(str(root), "--no-progress", "--jobs", "2")
        wait_until(
            lambda t=threshold, p=proc: p.poll() is not None or sum(tree_files(root)[n] == new[n] for n in names) >= t,
            f"{threshold} migrated files",
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        current = tree_files(root)
        assert each_is_old_or_new(current, old, new) == [], "a file holds neither its old nor its new content"
        killed_at.append(sum(current[n] == new[n] for n in names))
    leftovers = temp_leftovers(root)
    final = cli(str(root), "--no-progress")
    assert final.returncode == 0, final.stderr
    assert tree_files(root) == new  # nothing lost, nothing half-done
    assert not temp_leftovers(root)
    for tmp in leftovers:  # a temporary file of a killed write is removed and said so
        assert f"note: {tmp}: removed: temporary file of an interrupted flyte-migrate run" in final.stderr
    assert killed_at[0] < len(names), "the first kill came after the run ended; the test proved nothing"


def test_temporary_file_of_a_killed_run_is_removed_by_the_next_run(tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(WF)
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs, as after kill -9
    leftover = tmp_path / f".wf.py.flyte-migrate-{dead.pid}-abcd1234.tmp"
    leftover.write_text("half of a migrat")
    live = tmp_path / f".wf.py.flyte-migrate-{os.getpid()}-efgh5678.tmp"  # a run still going on
    live.write_text("being written")
    check = cli(str(tmp_path), "--check", "--no-progress")
    assert f"note: {leftover}: temporary file of an interrupted flyte-migrate run (pid {dead.pid})" in check.stderr
    assert leftover.exists()  # --check writes nothing, removes nothing
    result = cli(str(tmp_path), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert f"note: {leftover}: removed: temporary file of an interrupted flyte-migrate run (pid {dead.pid})" in result.stderr
    assert not leftover.exists() and live.exists() and str(live) not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_the_run_prints_the_summary_and_leaves_whole_files(tmp_path: Path, sig: signal.Signals) -> None:
    needs_proc()
    root, names = _repo(tmp_path, files=24, tasks=12)
    old = tree_files(root)
    new = {**old, **expected_migrations(root, names)}
    proc = start_cli(str(root), "--no-progress", "--jobs", "2")
    workers = _workers(proc, 2)
    stop(proc)
    os.kill(proc.pid, sig)  # delivered when the command runs again
    os.kill(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Interrupted: files not reached were left unchanged" in err and "Traceback" not in err
    assert each_is_old_or_new(tree_files(root), old, new) == []
    assert not temp_leftovers(root)
    wait_until(lambda: not any(alive(w) for w in workers), "the workers to stop", deadline=60)


def test_worker_killed_from_outside_loses_no_file(tmp_path: Path) -> None:
    needs_proc()
    root, names = _repo(tmp_path, files=24, tasks=12)
    new = expected_migrations(root, names)
    proc = start_cli(str(root), "--no-progress", "--jobs", "2")
    workers = _workers(proc, 2)
    stop(proc)
    os.kill(workers[0][0], signal.SIGKILL)  # as the OOM killer would
    os.kill(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "note: a worker process died during the run; the files not finished were migrated again" in err
    assert all(tree_files(root)[n] == new[n] for n in names)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_file_that_crashes_the_parser_costs_only_that_file(tmp_path: Path, jobs: str) -> None:
    depth = 5000  # LibCST's native parser overflows its stack (SIGSEGV); Python rejects it too
    crash = tmp_path / "generated.py"
    crash.write_text("from flytekit import task\nx = " + "(" * depth + "1" + ")" * depth + "\n")
    for i in range(9):
        (tmp_path / f"wf{i}.py").write_text(WF)
    result = cli(str(tmp_path), "--no-progress", "--jobs", jobs, preexec_fn=_no_core_dumps)
    assert result.returncode == 1, result.stderr
    assert f"error: {crash}: the migration crashed its worker process (killed by SIGSEGV); file left unchanged" in result.stderr
    assert "Migrated 9 of 10 files" in result.stderr
    assert crash.read_text().startswith("from flytekit import task\nx = ((((")


# -- full disk -----------------------------------------------------------------------------------
def test_file_size_limit_fails_the_big_writes_and_keeps_their_old_content(tmp_path: Path) -> None:
    limit = 4096

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # SIGXFSZ is ignored by Python: EFBIG

    small = tmp_path / "small.py"
    small.write_text(WF)
    bigs = []
    for i in range(3):
        big = tmp_path / f"big{i}.py"
        big.write_text(big_workflow(60))
        bigs.append(big)
    old = tree_files(tmp_path)
    result = cli(str(tmp_path), "--no-progress", "--report-file", str(tmp_path / "report.json"), preexec_fn=limited)
    assert result.returncode == 1, result.stderr
    for big in bigs:
        assert (
            f"error: {big}: cannot write: file too large for this process's file size limit (ulimit -f) in {tmp_path}; file left unchanged"
            in result.stderr
        )
        assert big.read_bytes() == old[big.name]
    assert "async def wf" in small.read_text() and "Migrated 1 of 4 files" in result.stderr
    assert not temp_leftovers(tmp_path)
    assert "error: " + str(tmp_path / "report.json") + ": cannot write the report" in result.stderr or (tmp_path / "report.json").exists()


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 256 KiB tmpfs mounted for the test (root only), unmounted after."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a size-limited tmpfs needs root and mount(8); the file size limit test covers ENOSPC-like failures")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"mount refused here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_full_file_system_fails_the_writes_that_do_not_fit_and_the_rerun_finishes(small_tmpfs: Path) -> None:
    root = small_tmpfs / "repo"
    root.mkdir()
    (root / "small.py").write_text(WF)
    for i in range(2):
        (root / f"big{i}.py").write_text(big_workflow(60))
    old = tree_files(root)
    names = sorted(old)
    new = expected_migrations(root, names)
    assert all(len(new[n]) > 4096 for n in names if n.startswith("big"))  # more than the page left
    vfs = os.statvfs(small_tmpfs)
    ballast = small_tmpfs / "ballast"
    ballast.write_bytes(b"\0" * (vfs.f_bavail * vfs.f_frsize - 4096))  # one free page left
    result = cli(str(root), "--no-progress")
    assert result.returncode == 1, result.stderr
    for n in ("big0.py", "big1.py"):
        assert f"error: {root / n}: cannot write: no space left on device in {root} (needs {len(new[n])} bytes); file left unchanged" in result.stderr
    assert tree_files(root) == {**old, "small.py": new["small.py"]}
    assert not temp_leftovers(root)
    ballast.unlink()  # space freed: the next run migrates what was left
    again = cli(str(root), "--no-progress")
    assert again.returncode == 0, again.stderr
    assert tree_files(root) == new


def test_api_run_reports_every_file_once(tmp_path: Path) -> None:
    """migrate_paths (used by the command) lists each file exactly once, whatever happened to it."""
    (tmp_path / "ok.py").write_text(WF)
    (tmp_path / "bad.py").write_bytes(b"from flytekit import task\nx = '\xff'\n")
    (tmp_path / "plain.py").write_text("print(1)\n")
    (tmp_path / "link.py").symlink_to("ok.py")
    report = migrate_paths([str(tmp_path), str(tmp_path / "ok.py")], jobs=2)
    paths = [f.path for f in report.files]
    assert sorted(paths) == sorted({str(tmp_path / n) for n in ("ok.py", "bad.py", "plain.py")})
    assert {f.path: f.status for f in report.files}[str(tmp_path / "ok.py")] == "changed"
