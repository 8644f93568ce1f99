"""Worker processes that migrate files: they die with the tool, and a crash loses no file.

Migration runs in worker processes, never in the process that writes files and reports:

* **Workers die with their parent.** On Linux each worker asks the kernel for SIGKILL when its
  parent dies (`PR_SET_PDEATHSIG`, through ctypes) and exits at once if the parent is already
  gone; elsewhere a thread in each worker watches the parent's pid. A `kill -9` of
  `flyte-migrate` leaves no worker behind.
* **A crash costs at most one file.** LibCST's native parser can crash its process (a segfault
  on brackets nested a few thousand deep, which Python itself rejects), and a worker can be
  killed from outside (the OOM killer). When the pool breaks, the files no worker had started
  are run again in a new pool; each file a worker had started but not finished is run again
  alone, in a process of its own. If that process dies too, the file gets an error result
  naming how it died; otherwise nothing was lost. Either way the run goes on.
* **No workers, still a run.** Starting workers needs POSIX semaphores, which live in files
  under /dev/shm: a full or read-only /dev/shm, or a file size limit of 0, refuses them. Then
  the files are migrated in this process, one at a time, and the report says why (a file that
  crashes the parser then ends the run, which is what the workers guard against).
* Workers ignore SIGINT: Ctrl-C reaches the parent, which stops between two files (a file being
  written is finished first), kills its workers and raises KeyboardInterrupt.
"""

from __future__ import annotations

import ctypes
import mmap
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Optional

from ._files import reason
from ._report import FileResult

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Job:
    """One file for a worker: `path` is what results are reported under."""

    path: str
    data: bytes


# What every worker process holds: the function migrating a job, and the flags (shared memory,
# one per job of the current round) a worker sets when it starts a job.
_STATE: dict[str, Any] = {}


def _context() -> Any:
    # fork: workers share the parent's loaded modules and index without pickling, and their
    # parent is the driver itself, which the death signal below relies on.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _start_flags(ctx: Any, n: int) -> Any:
    """One byte per job, shared with the workers, which set it when they start that job."""
    if ctx.get_start_method() == "fork":
        # Anonymous shared memory, inherited by the forked workers: no file behind it. A
        # multiprocessing RawArray lives in a file it truncates to size, which fails with EFBIG
        # under a small `ulimit -f` (the run died with a traceback) and, on a full /dev/shm and
        # temporary directory, kills the first worker touching it with SIGBUS.
        return mmap.mmap(-1, max(1, n))
    return ctx.RawArray("b", n)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent_pid:  # the parent died before the request was made
                os._exit(1)
            return
    _watch_parent(parent_pid)


def _watch_parent(parent_pid: int) -> None:
    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(0.5):
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="flyte-migrate-parent-watch", daemon=True).start()


def _worker_signals() -> None:
    # forked from the driver, a worker inherits its handlers; Ctrl-C is the driver's business
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _init_worker(parent_pid: int, migrate: Callable[[Job], FileResult], started: Any) -> None:
    _die_with_parent(parent_pid)
    _worker_signals()
    _STATE.update(migrate=migrate, started=started)


def _run(k: int, job: Job) -> FileResult:
    _STATE["started"][k] = 1
    return _STATE["migrate"](job)


def _run_alone(conn: Any, parent_pid: int, migrate: Callable[[Job], FileResult], job: Job) -> None:
    _die_with_parent(parent_pid)
    _worker_signals()
    conn.send(migrate(job))
    conn.close()


def _death(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def _hint(exitcode: Optional[int]) -> str:
    if exitcode == -signal.SIGSEGV:
        return " (LibCST's parser crashes on expressions nested thousands of levels deep, which Python rejects too)"
    return ""


def run_alone(job: Job, migrate: Callable[[Job], FileResult], stops: Optional[_StopRequests] = None) -> FileResult:
    """Migrate one job in a process of its own; its death becomes an error result."""
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_alone, args=(send, os.getpid(), migrate, job), daemon=True)
    proc.start()
    send.close()
    try:
        while not receive.poll(_POLL_S):
            if stops is not None:
                stops.check()
        result: FileResult = receive.recv()
    except EOFError:
        proc.join()
        return FileResult(
            job.path,
            "error",
            source=job.data,
            error=f"the migration crashed its worker process ({_death(proc.exitcode)}); file left unchanged{_hint(proc.exitcode)}",
        )
    except BaseException:
        proc.kill()
        raise
    finally:
        receive.close()
    proc.join()
    return result


@dataclass
class PoolEvents:
    """What happened to the worker processes during a run, for the report."""

    pools_broken: int = 0
    retried_alone: int = 0
    # why no worker process could be started, when the files were migrated in this process
    no_workers: Optional[str] = None


def migrate_all(
    jobs: Sequence[Job],
    migrate: Callable[[Job], FileResult],
    workers: int,
    on_result: Callable[[FileResult], None],
    on_started: Optional[Callable[[], None]] = None,
) -> PoolEvents:
    """Run `migrate` on every job in up to `workers` processes; `on_result` gets every result
    (in completion order, in this process), including error results for jobs whose process died.
    `migrate` must be a module-level function (it is sent to the workers). `on_started` is
    called once the first workers exist (start threads there, not before the fork)."""
    events = PoolEvents()
    with _StopRequests() as stops:
        _migrate_rounds(list(jobs), migrate, workers, on_result, on_started, events, stops)
    return events


class _StopRequests:
    """While a run is on, SIGINT and SIGTERM (in the main thread) only set a flag, checked between
    files. Raised at an arbitrary point, KeyboardInterrupt can leave a future's lock held inside
    concurrent.futures, and shutting the pool down then waits forever."""

    _SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> _StopRequests:
        self.requested: Optional[int] = None
        self.previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self._SIGNALS:
                self.previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum: int, _frame: Any) -> None:
        self.requested = signum

    def check(self) -> None:
        if self.requested is not None:
            raise KeyboardInterrupt

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


# How long a blocked wait lasts before looking at stop requests again (Ctrl-C latency).
_POLL_S = 0.2


def _migrate_here(
    pending: list[Job],
    migrate: Callable[[Job], FileResult],
    on_result: Callable[[FileResult], None],
    on_started: Optional[Callable[[], None]],
    stops: _StopRequests,
) -> None:
    """Every job in this process, in order, when no worker process can be started."""
    if on_started is not None:
        on_started()
    for job in pending:
        stops.check()
        on_result(migrate(job))
    stops.check()


def _migrate_rounds(
    pending: list[Job],
    migrate: Callable[[Job], FileResult],
    workers: int,
    on_result: Callable[[FileResult], None],
    on_started: Optional[Callable[[], None]],
    events: PoolEvents,
    stops: _StopRequests,
) -> None:
    ctx = _context()
    if not pending and on_started is not None:
        on_started()
    while pending:
        started = _start_flags(ctx, len(pending))
        try:
            pool = ProcessPoolExecutor(
                max_workers=max(1, min(workers, len(pending))),
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(os.getpid(), migrate, started),
            )
        except OSError as e:  # its queues' semaphores could not be made
            events.no_workers = reason(e)
            _migrate_here(pending, migrate, on_result, on_started, stops)
            return
        futures: dict[Future, int] = {}
        ours: set[Any] = set()
        finished: set[int] = set()
        broken = False
        before = set(multiprocessing.active_children())
        try:
            for k, job in enumerate(pending):
                try:
                    futures[pool.submit(_run, k, job)] = k
                except BrokenProcessPool:  # a worker died while jobs were still being handed out
                    broken = True
                    break
                except OSError as e:
                    if k > 0:  # workers exist (all are started by the first submit): a real error
                        raise
                    # no worker could be started (fork or the pool's semaphores refused); any
                    # started before the refusal would wait forever for work: end them
                    for proc in set(multiprocessing.active_children()) - before:
                        proc.kill()
                    events.no_workers = reason(e)
                    _migrate_here(pending, migrate, on_result, on_started, stops)
                    return
                if k == 0:
                    ours = set(multiprocessing.active_children()) - before
                stops.check()
            if on_started is not None:
                on_started()
                on_started = None
            waiting = set(futures)
            while waiting and not broken:
                stops.check()
                done, waiting = wait(waiting, timeout=_POLL_S, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    finished.add(futures[fut])
                    on_result(result)
            stops.check()
        except BaseException:
            # Ctrl-C, SIGTERM or an error in on_result: stop now, not after the files in hand
            for proc in ours:
                proc.kill()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if not broken:
            return
        events.pools_broken += 1
        # results that arrived while the pool was breaking
        for fut, k in futures.items():
            if k not in finished and fut.done() and not fut.cancelled() and fut.exception() is None:
                finished.add(k)
                on_result(fut.result())
        suspects = [k for k in range(len(pending)) if k not in finished and started[k]]
        rest = [pending[k] for k in range(len(pending)) if k not in finished and not started[k]]
        if not suspects and not finished:
            suspects, rest = [0], pending[1:]  # no progress at all: isolate one job so the loop ends
        for k in suspects:
            events.retried_alone += 1
            on_result(run_alone(pending[k], migrate, stops))
            stops.check()
        pending = rest
