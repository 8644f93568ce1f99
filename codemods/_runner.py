"""Run the migration over files and directories.

`migrate_paths()` finds the Python files, indexes the ones that mention flytekit (pass 1, see
`_analysis._index`), migrates them in a process pool (pass 2, one `migrate_bytes` per file) and,
when asked to write, replaces each changed file atomically: the new content goes to a temporary
file in the same directory, which is renamed over the original, so a reader sees either the old
file or the new one, never half of one. A file that changed on disk while it was being migrated
is not overwritten.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Optional

from ._analysis._index import EntityIndex, build_index
from ._engine import migrate_bytes
from ._report import FileResult, RunReport
from .rules import select_codes

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "__pycache__", "node_modules", ".tox", ".nox", "build", "dist", "site-packages", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)

# Below this many files to migrate, starting worker processes costs more than it saves.
_POOL_MIN_FILES = 8


class PathError(ValueError):
    """A path given to migrate does not exist or is not a Python file or directory."""


def discover(paths: Sequence[str]) -> list[str]:
    """Python files under `paths` (directories are walked; virtualenvs and caches are skipped)."""
    out: list[str] = []
    seen = set()
    for p in paths:
        if not os.path.exists(p):
            raise PathError(f"{p}: no such file or directory")
        if os.path.isfile(p):
            if not p.endswith((".py", ".pyi")) and not _has_python_shebang(p):
                raise PathError(f"{p}: not a Python file")
            files: Iterable[str] = [p]
        else:
            files = _walk(p)
        for f in files:
            key = os.path.abspath(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _walk(root: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def _has_python_shebang(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline()
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


# -- worker side -------------------------------------------------------------------------------
_WORKER: tuple[frozenset[str], Optional[EntityIndex]] = (frozenset(), None)


def _init_worker(codes: frozenset[str], index: Optional[EntityIndex]) -> None:
    global _WORKER
    _WORKER = (codes, index)


def _work(item: tuple[str, bytes]) -> FileResult:
    codes, index = _WORKER
    return migrate_bytes(item[1], item[0], codes, index)


# -- driver side ---------------------------------------------------------------------------------
def _read(path: str) -> tuple[Optional[bytes], Optional[str]]:
    try:
        with open(path, "rb") as fh:
            return fh.read(), None
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"


def write_atomic(path: str, data: bytes, expected: bytes) -> Optional[str]:
    """Replace `path` with `data` if it still holds `expected`; returns an error message or None."""
    current, err = _read(path)
    if err is not None:
        return err
    if current != expected:
        return "changed on disk while being migrated; not written"
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".flyte-migrate-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return f"cannot write: {e.strerror or e}"
    return None


def migrate_paths(
    paths: Sequence[str],
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    jobs: Optional[int] = None,
    write: bool = True,
    on_file: Optional[Callable[[FileResult], None]] = None,
    on_start: Optional[Callable[[int], None]] = None,
) -> RunReport:
    """Migrate every Python file under `paths`; write changed files when `write` is true.

    `on_start(n)` is called with the number of files that will be migrated (those mentioning
    flytekit) and `on_file(result)` after each of them, for progress reporting.
    """
    codes = select_codes(select, ignore)
    files = discover(paths)
    report = RunReport()
    todo: list[tuple[str, bytes]] = []
    for path in files:
        data, err = _read(path)
        if err is not None:
            report.files.append(FileResult(path, "error", error=err))
        elif b"flytekit" not in data:  # type: ignore[operator]
            report.files.append(FileResult(path, "skipped", source=b""))
        else:
            todo.append((path, data))  # type: ignore[arg-type]
    index = build_index(todo)
    if on_start is not None:
        on_start(len(todo))
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: Iterable[FileResult]
    pool: Optional[ProcessPoolExecutor] = None
    if jobs == 1 or len(todo) < _POOL_MIN_FILES:
        _init_worker(codes, index)
        results = (_work(item) for item in todo)
    else:
        # biggest files first, one at a time: the slowest file no longer lands last on one worker
        todo.sort(key=lambda item: len(item[1]), reverse=True)
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_init_worker, initargs=(codes, index))
        results = pool.map(_work, todo, chunksize=1)
    try:
        for item, result in zip(todo, results, strict=False):
            if write and result.status == "changed" and result.output is not None:
                err = write_atomic(item[0], result.output, item[1])
                if err is not None:
                    result.status, result.error = "error", err
            report.files.append(result)
            if on_file is not None:
                on_file(result)
    finally:
        if pool is not None:
            pool.shutdown()
    order = {p: i for i, p in enumerate(files)}
    report.files.sort(key=lambda r: order.get(r.path, 0))
    return report
