"""flyte-migrate under process and disk faults, for real: kill -9 of the command and of its
workers, Ctrl-C/SIGTERM, a file that crashes the parser, a file size limit, a full file system.

What must hold: every file holds either its old content or its complete migrated content; no
worker outlives the command; a file whose write failed is unchanged and reported; the next
run finishes the job and cleans up after the killed one.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
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
    run_processes,
    start_cli,
    stop,
    temp_leftovers,
    tree_files,
    wait_until,
)

# Each test runs the command several times, under a load it does not control (two cores shared
# with other jobs): the suite-wide 120 s per test is too tight. Nothing here waits on time; the
# limit only ends a test that hangs.
pytestmark = pytest.mark.timeout(1800)


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
    """The command's `n` workers, once they all run; fails at once if the command ended first."""

    def found() -> list[tuple[int, str]] | None:
        workers = children(proc.pid)
        if len(workers) >= n:
            return workers
        assert proc.poll() is None, f"the command ended before {n} workers were seen: {proc.communicate()}"
        return None

    return wait_until(found, f"{n} worker processes")


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# -- the command's own processes -----------------------------------------------------------------
def test_kill_9_of_the_command_leaves_no_worker_behind(tmp_path: Path) -> None:
    needs_proc()
    root, _ = _repo(tmp_path, files=24, tasks=12)
    proc = start_cli(str(root), "--no-progress", "--jobs", "2")
    _workers(proc, 2)
    stop(proc)  # frozen mid-run: the run cannot end on its own, nor fork, while we look and kill
    workers = [p for p in run_processes(proc) if p[0] != proc.pid]
    assert len(workers) >= 2, workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    # found by their environment, not by parent: orphans are adopted by another process
    # a dead worker is reaped by whoever adopted it, a moment after it leaves the run's list
    wait_until(lambda: not run_processes(proc) and not any(alive(w) for w in workers),
               "every process of the killed command to die")


def test_kill_9_during_a_large_run_leaves_every_file_old_or_new_and_no_worker_and_the_next_run_finishes(
    tmp_path: Path,
) -> None:
    needs_proc()
    root, names = _repo(tmp_path, files=30, tasks=12)
    old = tree_files(root)
    new = {**old, **expected_migrations(root, names)}
    killed_at = []
    workers_at_kill = []
    for threshold in (1, 10, 20):  # kill after 1, 10 and 20 files are written (each run resumes)
        proc = start_cli(str(root), "--no-progress", "--jobs", "2")
        wait_until(
            lambda t=threshold, p=proc: p.poll() is not None or sum(tree_files(root)[n] == new[n] for n in names) >= t,
            f"{threshold} migrated files",
        )
        # not stopped first: the kill lands wherever the run is, in the middle of a write or not
        workers_at_kill.append(len([p for p in run_processes(proc) if p[0] != proc.pid]))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        wait_until(lambda p=proc: not run_processes(p), "every process of the killed command to die")
        current = tree_files(root)
        assert each_is_old_or_new(current, old, new) == [], "a file holds neither its old nor its new content"
        killed_at.append(sum(current[n] == new[n] for n in names))
    assert killed_at[0] < len(names), "the first kill came after the run ended; the test proved nothing"
    assert workers_at_kill[0] >= 1, "no worker was running at the first kill; the test proved nothing"
    leftovers = temp_leftovers(root)
    final = cli(str(root), "--no-progress")
    assert final.returncode == 0, final.stderr
    assert tree_files(root) == new  # nothing lost, nothing half-done
    assert not temp_leftovers(root)
    for tmp in leftovers:  # a temporary file of a killed write is removed and said so
        assert f"note: {tmp}: removed: temporary file of an interrupted flyte-migrate run" in final.stderr


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
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 130, err
    assert "Interrupted: files not reached were left unchanged" in err and "Traceback" not in err
    assert each_is_old_or_new(tree_files(root), old, new) == []
    assert not temp_leftovers(root)
    wait_until(lambda: not any(alive(w) for w in workers) and not run_processes(proc), "the workers to stop")


def test_worker_killed_from_outside_loses_no_file(tmp_path: Path) -> None:
    needs_proc()
    root, names = _repo(tmp_path, files=24, tasks=12)
    new = expected_migrations(root, names)
    proc = start_cli(str(root), "--no-progress", "--jobs", "2")
    workers = _workers(proc, 2)
    stop(proc)
    os.kill(workers[0][0], signal.SIGKILL)  # as the OOM killer would
    os.kill(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=900)
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
    report_file = tmp_path / "report.json"
    result = cli(str(tmp_path), "--no-progress", "--report-file", str(report_file), preexec_fn=limited)
    assert result.returncode == 1, result.stderr
    for big in bigs:
        assert (
            f"error: {big}: cannot write: file too large for this process's file size limit (ulimit -f) in {tmp_path}; file left unchanged"
            in result.stderr
        )
        assert big.read_bytes() == old[big.name]
    assert "async def wf" in small.read_text() and "Migrated 1 of 4 files" in result.stderr
    assert not temp_leftovers(tmp_path)
    report = json.loads(report_file.read_text())  # small enough to fit under the limit: written
    assert sorted(f["path"] for f in report["files"] if f["status"] == "error") == sorted(str(b) for b in bigs)


def test_file_size_limit_on_the_report_file_leaves_no_partial_report(tmp_path: Path) -> None:
    limit = 1024  # each migrated file fits, the report of all of them does not

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    src = tmp_path / "src"
    src.mkdir()
    for i in range(8):
        (src / f"wf{i}.py").write_text(WF)
    report_file = tmp_path / "report.json"
    result = cli(str(src), "--no-progress", "--report-file", str(report_file), preexec_fn=limited)
    assert result.returncode == 1, result.stderr
    assert f"error: {report_file}: cannot write the report: file too large" in result.stderr, result.stderr
    assert not report_file.exists() and not temp_leftovers(tmp_path)
    assert "Migrated 8 of 8 files" in result.stderr
    assert all("async def wf" in (src / f"wf{i}.py").read_text() for i in range(8))


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


# -- no worker processes -------------------------------------------------------------------------
_NO_WORKERS = "note: could not start worker processes ({}; they need POSIX semaphores in /dev/shm); the files were migrated in this process, one at a time"


def test_no_file_can_be_written_at_all_each_file_is_reported_and_no_traceback(tmp_path: Path) -> None:
    """ulimit -f 0: not even the pool's semaphores (files in /dev/shm) can be made."""

    def nothing() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    for i in range(3):
        (tmp_path / f"wf{i}.py").write_text(WF)
    result = cli(str(tmp_path), "--no-progress", preexec_fn=nothing)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert _NO_WORKERS.format("file too large for this process's file size limit (ulimit -f)") in result.stderr
    for i in range(3):
        assert f"error: {tmp_path / f'wf{i}.py'}: cannot write: file too large" in result.stderr
        assert (tmp_path / f"wf{i}.py").read_text() == WF
    assert not temp_leftovers(tmp_path)


@pytest.mark.parametrize(
    ("shm", "why"),
    [
        ("mount -t tmpfs -o ro,size=4k tmpfs /dev/shm", "read-only file system"),
        ("mount -t tmpfs -o size=4k tmpfs /dev/shm && head -c 4096 /dev/zero > /dev/shm/ballast", "no space left on device"),
    ],
    ids=["read-only", "full"],
)
def test_unusable_dev_shm_migrates_in_process_and_says_so(tmp_path: Path, shm: str, why: str) -> None:
    """/dev/shm read-only (as on AWS Lambda) or full (a container's 64 MB one): a run without
    workers, not a traceback. Done in a mount namespace of its own (root only)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("replacing /dev/shm for one process needs root and unshare(1); the ulimit -f 0 test covers this path")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", shm], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"a private /dev/shm is refused here: {probe.stderr.strip()}")
    for i in range(3):
        (tmp_path / f"wf{i}.py").write_text(WF)
    new = expected_migrations(tmp_path, [f"wf{i}.py" for i in range(3)])
    run = f"{shm} && exec \"$0\" -m codemods \"$1\" --no-progress --jobs 2"
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", run, sys.executable, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 0, result.stderr
    assert _NO_WORKERS.format(why) in result.stderr and "Traceback" not in result.stderr
    assert tree_files(tmp_path) == new


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
    summary = json.loads(report.to_json())["summary"]
    assert (summary["files"], summary["changed"], summary["errors"], summary["interrupted"]) == (3, 1, 1, False)
