"""Real faults for the flyte-migrate fault tests: another user, processes to kill, a small disk.

Nothing here mocks the runner: the command runs as its own process (`python -m codemods`), as
an unprivileged user when the test needs permission bits to count (root ignores them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest

WF = '''from flytekit import task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def wf(x: int = 1) -> int:
    return inc(x=inc(x=x))
'''


def big_workflow(tasks: int) -> str:
    """A module with `tasks` tasks chained by one workflow: big enough that migrating and writing
    it takes a while, so kills land in the middle of a run."""
    parts = ["from flytekit import task, workflow\n"]
    for i in range(tasks):
        parts.append(f"\n\n@task\ndef t{i}(x: int) -> int:\n    return x + {i}\n")
    calls = "\n".join(f"    x{i + 1} = t{i}(x=x{i})" for i in range(tasks))
    parts.append(f"\n\n@workflow\ndef wf(x0: int = 1) -> int:\n{calls}\n    return x{tasks}\n")
    return "".join(parts)


@dataclass
class User:
    """Who the command runs as: `uid`/`gid` None means the test's own user (not root)."""

    uid: Optional[int]
    gid: Optional[int]

    def chown(self, *paths: Path) -> None:
        if self.uid is None:
            return
        for p in paths:
            os.chown(p, self.uid, self.gid, follow_symlinks=False)


def cli(
    *args: str,
    cwd: Optional[Path] = None,
    user: Optional[User] = None,
    preexec_fn: Optional[Callable[[], None]] = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """Run flyte-migrate to completion in its own process (as `user` when one is given)."""
    if user is not None and user.uid is not None:
        return _cli_as(user, args, cwd)
    return subprocess.run(
        [sys.executable, "-m", "codemods", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def _warm_up() -> None:
    """Import everything a run uses, in this process, before a child drops its privileges: the
    interpreter may live where the other user cannot read (root's home), so the child must not
    import anything new."""
    from codemods import migrate_paths

    with tempfile.TemporaryDirectory() as d:
        for i in range(2):
            Path(d, f"w{i}.py").write_text(WF)
        Path(d, "bad.py").write_bytes(b"from flytekit import task\nx = '\xff'\n")
        Path(d, "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")  # the line-length reader's imports
        migrate_paths([d], jobs=2)
        migrate_paths([d], jobs=2, write=False)


def _cli_as(user: User, args: Sequence[str], cwd: Optional[Path]) -> subprocess.CompletedProcess:
    """The command's main() in a forked child that became `user` (setgroups/setgid/setuid), so
    permission bits apply as they would for that user; output captured through files."""
    from codemods._cli import main

    _warm_up()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            code = 70
            try:
                os.setgroups([])
                os.setgid(user.gid)  # type: ignore[arg-type]
                os.setuid(user.uid)  # type: ignore[arg-type]
                if cwd is not None:
                    os.chdir(cwd)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", closefd=False)
                sys.stderr = open(2, "w", closefd=False)
                try:
                    main(list(args), prog_name="flyte-migrate")
                    code = 0
                except SystemExit as e:
                    code = e.code if isinstance(e.code, int) else 1
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        try:
            _, status = os.waitpid(pid, 0)
        except BaseException:  # the test timed out or was interrupted: leave no child behind
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(list(args), os.waitstatus_to_exitcode(status), out.read(), err.read())


# Set in the environment of every command a test starts, with a value of its own: every process
# of that run (the command, its workers, anything they fork) carries it, so the test can find
# them after the command is gone and its orphans were adopted by another parent.
RUN_MARK = "FLYTE_MIGRATE_TEST_RUN"


class Run(subprocess.Popen):
    """A flyte-migrate command running in the background; `marker` tags its processes."""

    marker: str


def start_cli(*args: str, cwd: Optional[Path] = None) -> Run:
    marker = uuid.uuid4().hex
    proc = Run(
        [sys.executable, "-m", "codemods", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), RUN_MARK: marker},
    )
    proc.marker = marker
    return proc


@contextmanager
def shared_dir() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="flyte-migrate-faults-"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        for dirpath, dirnames, _ in os.walk(path):
            for d in dirnames:
                full = os.path.join(dirpath, d)
                if not os.path.islink(full):
                    os.chmod(full, 0o755)
        shutil.rmtree(path, ignore_errors=True)


def unprivileged() -> User:
    """A user permission bits apply to: the test's own user, or `nobody` when running as root
    (the command then runs in a forked child that drops to it). Skips, with the reason, when
    there is no such user or the kernel refuses the switch."""
    if os.geteuid() != 0:
        return User(None, None)
    import pwd

    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no 'nobody' user to drop to: permission bits would not apply")
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os._exit(0 if os.geteuid() == nobody.pw_uid else 1)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        pytest.skip("running as root and the kernel refuses setuid to 'nobody' here: permission bits would not apply")
    return User(nobody.pw_uid, nobody.pw_gid)


def tree_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py")) if p.is_file()}


def temp_leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".flyte-migrate-" in p.name]


# -- processes ---------------------------------------------------------------------------------
def _stat_fields(pid: int) -> Optional[list[str]]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # state is fields[0], ppid fields[1], starttime fields[19]


def children(pid: int) -> list[tuple[int, str]]:
    """Live child processes of `pid` as (pid, start time), read from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and fields[1] == str(pid) and fields[0] != "Z":
                out.append((int(entry), fields[19]))
    return out


def alive(proc: tuple[int, str]) -> bool:
    """Whether the process (pid, start time) still runs: gone, a zombie, or a reused pid is dead."""
    fields = _stat_fields(proc[0])
    return fields is not None and fields[0] != "Z" and fields[19] == proc[1]


def run_processes(run: Run) -> list[tuple[int, str]]:
    """Live processes of `run` as (pid, start time), whoever their parent is now: found by the
    marker in their environment (forked workers share the command's), zombies excluded."""
    needle = f"{RUN_MARK}={run.marker}".encode()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            fields = _stat_fields(int(entry))
            if fields and fields[0] != "Z":
                out.append((int(entry), fields[19]))
    return out


def wait_until(condition: Callable[[], Any], what: str, deadline: float = 600.0) -> Any:
    """Poll `condition` until it is truthy; fail naming `what` after `deadline` seconds. The
    deadline is generous on purpose: the suite shares two cores with other jobs, and a test must
    fail only when the awaited thing never happens, not when it happens late."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def stop(proc: subprocess.Popen) -> None:
    """SIGSTOP `proc` and return once the kernel has stopped it (kill() returns before the
    signal is acted on), so nothing the process does can race with what the test does next."""
    os.kill(proc.pid, signal.SIGSTOP)

    def stopped() -> bool:
        fields = _stat_fields(proc.pid)
        return fields is None or fields[0] in ("T", "t", "Z")

    wait_until(stopped, f"process {proc.pid} to stop")


def needs_proc() -> None:
    if not os.path.isdir("/proc/self") or not sys.platform.startswith("linux"):
        pytest.skip("reads process trees from /proc (Linux)")


def each_is_old_or_new(current: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Names of files holding neither their old nor their migrated content (should be none)."""
    return [name for name, data in current.items() if data != old.get(name) and data != new.get(name)]


def expected_migrations(root: Path, names: Sequence[str]) -> dict[str, bytes]:
    """What flyte-migrate writes for each file, computed in this process with the same index."""
    from codemods._analysis._index import build_index
    from codemods._engine import migrate_bytes
    from codemods.rules import select_codes

    items = [(str(root / n), (root / n).read_bytes()) for n in names]
    index = build_index(items)
    codes = select_codes(None, None)
    out = {}
    for name, (path, data) in zip(names, items):
        result = migrate_bytes(data, path, codes, index)
        out[name] = result.output if result.output is not None else data
    return out
