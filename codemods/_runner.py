"""Run the migration over files and directories: every file migrated, failed or explained.

`migrate_paths()` finds the Python files (`_files`: symlinks resolved, problems collected),
reads them, indexes the ones that mention flytekit (pass 1, see `_analysis._index`), migrates
them in worker processes (pass 2, one `migrate_bytes` per file; `_workers`: workers die with
this process, and a crash costs at most the file that caused it) and, when asked to write,
replaces each changed file atomically (`_write`).

What the caller can rely on: each file given or found is in the report exactly once, as
changed, unchanged, skipped (without flytekit), left alone with a note, or an error naming the
problem; one file's failure never stops the others; a file is either left as it was or holds
the complete migrated code; symlinks are written at their target and stay links.
"""

from __future__ import annotations

import io
import os
import tokenize
from collections.abc import Callable, Sequence
from functools import partial
from typing import Optional

from ._analysis._index import EntityIndex, build_index
from ._engine import migrate_bytes
from ._files import SKIP_DIRS, PathError, Problem, SourceFile, find_sources, pid_alive, read_source, reason
from ._report import FileResult, RunReport
from ._workers import Job, migrate_all
from ._write import WriteRefused, replace_file
from .rules import select_codes

__all__ = ["SKIP_DIRS", "Interrupted", "PathError", "discover", "migrate_paths", "write_atomic"]


class Interrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C, SIGTERM); `report` holds what was done until then."""

    def __init__(self, report: RunReport):
        super().__init__("interrupted")
        self.report = report


def discover(paths: Sequence[str]) -> list[str]:
    """Python files under `paths` (directories are walked; virtualenvs and caches are skipped)."""
    return [f.path for f in find_sources(paths).files]


def write_atomic(path: str, data: bytes, expected: bytes) -> Optional[str]:
    """Replace `path` with `data` if it still holds `expected`; returns an error message or None."""
    try:
        replace_file(os.path.realpath(path), data, expected)
    except WriteRefused as e:
        return str(e)
    return None


def _undecodable(data: bytes) -> Optional[str]:
    """Why `data` is not text in the encoding it declares (PEP 263), or None."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as e:
        return f"cannot decode: {e}; file left unchanged"
    try:
        data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return (
            f"not valid {encoding} (byte 0x{data[e.start]:02x} at line {line}, column {column}): save it as UTF-8 "
            "or declare its encoding on its first line ('# -*- coding: latin-1 -*-'); file left unchanged"
        )
    return None


def _migrate_job(codes: frozenset[str], index: Optional[EntityIndex], job: Job) -> FileResult:
    problem = _undecodable(job.data)
    if problem is not None:
        return FileResult(job.path, "error", source=job.data, error=problem)
    return migrate_bytes(job.data, job.path, codes, index)


def _problem_result(problem: Problem) -> FileResult:
    if problem.failed:
        return FileResult(problem.path, "error", error=problem.message)
    return FileResult(problem.path, "skipped", note=problem.message)


def _leftover_results(leftovers: Sequence[tuple[str, int]], write: bool) -> list[FileResult]:
    out = []
    for path, pid in leftovers:
        if pid_alive(pid):
            continue  # another run is writing it now
        what = f"temporary file of an interrupted flyte-migrate run (pid {pid}); the file it was replacing is whole"
        if not write:
            out.append(FileResult(path, "skipped", note=f"{what}; a run without --check/--diff removes it"))
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        except OSError as e:
            out.append(FileResult(path, "error", error=f"{what}; cannot remove it: {reason(e)}"))
            continue
        out.append(FileResult(path, "skipped", note=f"removed: {what}"))
    return out


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
    flytekit) and `on_file(result)` after each of them, for progress reporting. Raises
    PathError for a given path that does not exist, and `Interrupted` (carrying the report so
    far) on Ctrl-C.
    """
    codes = select_codes(select, ignore)
    found = find_sources(paths)
    report = RunReport()
    order: dict[str, int] = {}
    sources: dict[str, tuple[SourceFile, int]] = {}  # path -> (file, hard links)
    todo: list[Job] = []
    for entry in found.entries:
        order.setdefault(entry.path, len(order))
        if isinstance(entry, Problem):
            report.files.append(_problem_result(entry))
            continue
        try:
            data, st = read_source(entry.real)
        except OSError as e:
            report.files.append(FileResult(entry.path, "error", error=f"cannot read: {reason(e)}"))
            continue
        if b"flytekit" not in data:
            report.files.append(FileResult(entry.path, "skipped", source=b""))
            continue
        sources[entry.path] = (entry, st.st_nlink)
        todo.append(Job(entry.path, data))
    for result in _leftover_results(found.leftovers, write):
        order.setdefault(result.path, len(order))
        report.files.append(result)
    index = build_index([(job.path, job.data) for job in todo])
    # biggest files first: the slowest file no longer lands last on one worker
    todo.sort(key=lambda job: len(job.data), reverse=True)

    def finish(result: FileResult) -> None:
        if write and result.status == "changed" and result.output is not None:
            source, links = sources[result.path]
            try:
                note = replace_file(source.real, result.output, result.source)
            except WriteRefused as e:
                result.status, result.error = "error", str(e)
            else:
                if links > 1:
                    note = "; ".join(filter(None, [note, f"had {links} hard links: only this name holds the migrated code"]))
                result.note = note
        report.files.append(result)
        if on_file is not None:
            on_file(result)

    started = None if on_start is None else partial(on_start, len(todo))
    workers = max(1, jobs or os.cpu_count() or 1)
    try:
        events = migrate_all(todo, partial(_migrate_job, codes, index), workers, finish, on_started=started)
    except KeyboardInterrupt:
        report.interrupted = True
        _sort(report, order)
        raise Interrupted(report) from None
    if events.no_workers is not None:
        report.notes.append(
            f"could not start worker processes ({events.no_workers}; they need POSIX semaphores in /dev/shm); "
            "the files were migrated in this process, one at a time"
        )
    if events.pools_broken:
        died = "a worker process died" if events.pools_broken == 1 else f"worker processes died {events.pools_broken} times"
        report.notes.append(
            f"{died} during the run; the files not finished were migrated again "
            f"({events.retried_alone} of them alone, in a process of their own)"
        )
    _sort(report, order)
    return report


def _sort(report: RunReport, order: dict[str, int]) -> None:
    report.files.sort(key=lambda r: order.get(r.path, len(order)))
