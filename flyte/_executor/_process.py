"""The process executor: sync task bodies run in a pool of worker processes on this machine.

    flyte.init(executor="process", max_workers=4)     # or FLYTE_EXECUTOR=process, or
    flyte run --executor process prog.py main         # --max-workers N / FLYTE_MAX_WORKERS=N

Sync bodies below a run's root run in worker processes, each with its own interpreter (and GIL),
so CPU-bound pure-Python tasks use every core. The controller, the store, the root and async
bodies (which orchestrate) stay in this process, as with Ray; a body's nested task calls, traces
and stored values come back here through `flyte._executor._remote`, so every action is recorded
here, once, and resumes, caching and retries work as they do inline.

What the pool guarantees:
- at most `max_workers` bodies compute at once. A body waiting for a nested call it made does
  not count (another worker runs the callee), so nesting never deadlocks the pool;
- a timeout kills the worker (its whole process group) and the attempt fails as timed out once
  the worker is gone, retried per the task's policy; the killed worker is replaced. The time
  budget is the body's: it starts when the worker has unpickled the task and its inputs (a
  worker's start and the first import of the task's module do not count). The inline executor
  runs timed sync bodies on this pool too (`flyte._executor._inline`);
- a worker that dies under an attempt (killed, out of memory, a segfault, `os._exit`) fails that
  attempt with `WorkerLost` naming the cause and the last lines the worker wrote to stderr (a
  segfault's Python stack, from `faulthandler`); the controller maps it to a system error
  (`OOMError` when memory ran out) and retries per policy; the pool starts a replacement;
- a `MemoryError` in a body fails the attempt with `OOMError` and retires its worker;
- workers die with this process, however it dies (`kill -9` included): the kernel's
  parent-death signal on Linux, and everywhere a worker exits when its socket closes;
- what a body writes to stdout and stderr (Python or C, any thread of it) is read here from the
  worker's pipes and handed to `body_output`, attributed to the action that ran; output written
  before the attempt's end is all there when the attempt's outcome is. Each stream is passed on
  in whole lines (ended by a newline or a carriage return): the two pipes are read separately,
  and `print` writes its text and its newline apart, so passing on a bare fragment would let a
  line of the other stream land inside it. A fragment is held until its line ends, for at most
  `_FRAGMENT_WAIT` seconds (a prompt, `end=""`), and to the attempt's end.

Workers start as forks of a server that imported flyte once (`flyte._executor._forkserver`: a
millisecond instead of an interpreter's start, pages shared) on Linux, else (or with
FLYTE_WORKER_START=spawn) as new interpreters. A pool made with `keep_idle` below its size
(`killable_pool`, the inline executor's pool for timed sync bodies) grows as attempts need
workers and shrinks back to `keep_idle` when they have been idle for `idle_seconds`.

One thread ("flyte-process-io") runs an event loop that reads every worker's socket and pipes,
serves their requests and starts workers (so that the parent-death signal is tied to a thread
that lives as long as the pool).
"""

from __future__ import annotations

import asyncio
import atexit
import codecs
import collections
import concurrent.futures
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Optional

import cloudpickle

from .._controller import ActionStream, base_environment, capturing
from .._store import SYSTEM_MARK
from ._forkserver import ForkedProcess, ForkFailed, ForkServer
from ._inline import INLINE
from ._protocol import MAX_SYNC_WORKERS, MAX_WORKERS_ENV_VAR, AttemptExpired, WorkerLost
from ._remote import AttemptOutcome, RequestServer, attempt_payload, decode_request, safe_dumps, save_report
from ._wire import ANSWER, ATTEMPT, DONE, DONE_RETIRING, HELLO, REQUEST, STARTED, FrameBuffer, FrameSocket

if TYPE_CHECKING:
    from .._context import RunState
    from .._controller import Call

# Workers start as forks of a server that imported flyte once (`flyte._executor._forkserver`),
# where fork exists; FLYTE_WORKER_START=spawn starts each as a new interpreter instead.
_START_BY_FORK = (sys.platform.startswith("linux") and hasattr(socket, "send_fds")
                  and os.environ.get("FLYTE_WORKER_START", "fork").strip().lower() != "spawn")
_RECV = 1 << 18
_TAIL = 4096  # bytes of a dying worker's stderr quoted in its error
_FRAGMENT_WAIT = 0.5  # seconds an unended line waits for its end before it is passed on as is


# -- the one place a worker's output goes -----------------------------------------------------------


def body_output(run: Optional[RunState], aid: Optional[str], attempt: int, stream: str, text: str) -> None:
    """What a body running in a worker process wrote to `stream` ("stdout" or "stderr").

    Every chunk of every worker's output comes through here, in order per stream, attributed to
    the attempt (`run`, `aid`, `attempt`) the worker was running (run and aid None for output
    between attempts, e.g. at its start-up). All of an attempt's output has come through here by
    the time its outcome is recorded. It is echoed to this process's own stream (the terminal,
    where an inline body's output goes) and, while output is captured (not with
    FLYTE_CAPTURE_OUTPUT=0), kept in the action's log through `Recorder.output`, the one entry
    point for action output (`flyte get logs`)."""
    target = sys.stdout if stream == "stdout" else sys.stderr
    if isinstance(target, ActionStream):
        target = target.target  # shown as is: this thread's context is no action's
    try:
        target.write(text.replace(SYSTEM_MARK, "") if SYSTEM_MARK in text else text)  # the runtime's lines, marked
        target.flush()
    except (OSError, ValueError):  # a closed or detached stream: the log below still keeps it
        pass
    if run is not None and aid is not None and capturing():
        try:
            run.recorder.output(aid, attempt, text)
        except Exception:  # output must never fail the task that printed it
            pass


# -- CPU slots ------------------------------------------------------------------------------------------


class _Slots:
    """A counting semaphore that threads wait on by blocking and the event loop by awaiting; a
    released slot goes to the longest waiter of either kind."""

    def __init__(self, n: int):
        self.free = n
        self.lock = threading.Lock()
        self.waiters: collections.deque[Callable[[], None]] = collections.deque()

    def acquire(self) -> None:
        with self.lock:
            if self.free > 0 and not self.waiters:
                self.free -= 1
                return
            handed = threading.Lock()
            handed.acquire()
            wake = handed.release
            self.waiters.append(wake)
        try:
            handed.acquire()
        except BaseException:  # interrupted while waiting: give back a slot handed over meanwhile
            with self.lock:
                try:
                    self.waiters.remove(wake)
                    was_handed = False
                except ValueError:
                    was_handed = True
            if was_handed:
                self.release()
            raise

    def acquire_async(self) -> Awaitable[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self.lock:
            if self.free > 0 and not self.waiters:
                self.free -= 1
                future.set_result(None)
                return future

            def give(future: asyncio.Future = future) -> None:
                if not future.done():
                    future.set_result(None)

            def wake() -> None:
                loop.call_soon_threadsafe(give)

            self.waiters.append(wake)
        return future

    def release(self) -> None:
        with self.lock:
            if not self.waiters:
                self.free += 1
                return
            wake = self.waiters.popleft()
        wake()

    def resize(self, delta: int) -> None:
        for _ in range(delta):
            self.release()
        with self.lock:
            self.free += min(delta, 0)  # fewer slots: taken back as attempts give theirs up


# -- workers --------------------------------------------------------------------------------------------


class _Attempt:
    """One attempt running in a worker. Its CPU slot is the calling thread's; while the body
    waits for nested calls, the event loop lends the slot out (`lent`) and takes it back."""

    __slots__ = ("aid", "began", "calls", "finished", "future", "lent", "number", "rid", "run", "started", "task")

    def __init__(self, rid: int, run: RunState, aid: str, number: int, task: str):
        self.rid = rid
        self.run = run
        self.aid = aid
        self.number = number  # the action's attempt number
        self.task = task
        self.future: concurrent.futures.Future = concurrent.futures.Future()
        # done when the body starts, or when the attempt ends or its worker dies before that
        self.started: concurrent.futures.Future = concurrent.futures.Future()
        self.began = False  # the body started (its task and inputs loaded in the worker)
        self.calls = 0
        self.lent = False
        self.finished = False


class _Worker:
    __slots__ = ("attempt", "buffer", "dead", "decoders", "fragments", "frames", "idle_since", "killed", "pid", "pipes",
                 "proc", "ready", "sock", "tail")

    def __init__(self, proc: subprocess.Popen | ForkedProcess, sock: socket.socket, stdout: int, stderr: int):
        self.proc = proc
        self.pid = proc.pid
        self.sock = sock
        self.frames = FrameSocket(sock)
        self.buffer = FrameBuffer()
        self.ready = False  # it said hello: it started and imported the runtime
        self.dead = False
        self.killed: Optional[str] = None  # why this process killed it
        self.attempt: Optional[_Attempt] = None
        self.idle_since = 0.0  # time.monotonic() when it last became idle
        self.pipes = {"stdout": stdout, "stderr": stderr}  # the read ends of its output pipes
        self.decoders = {s: codecs.getincrementaldecoder("utf-8")(errors="replace") for s in self.pipes}
        self.tail = bytearray()  # the end of the current attempt's stderr
        # per stream: the start of a line not ended yet, and the timer that passes it on as is
        self.fragments: dict[str, tuple[str, asyncio.TimerHandle]] = {}


class BodyNotLoaded(Exception):
    """A worker could not load an attempt's task or inputs; the body did not start."""


def _resolve(future: concurrent.futures.Future) -> None:
    if not future.done():
        future.set_result(None)


def _oom_kills() -> Optional[int]:
    """The kernel's count of OOM kills in this process's cgroup (v2), when it can be read."""
    try:
        with open("/sys/fs/cgroup/memory.events") as f:
            for line in f:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


_CRASHES = {signal.SIGSEGV: "a segmentation fault", signal.SIGBUS: "a bus error", signal.SIGABRT: "an abort",
            signal.SIGFPE: "a floating-point exception", signal.SIGILL: "an illegal instruction"}


class ProcessExecutor:
    """Implements `Executor`: sync bodies below a run's root run in worker processes; the root
    (which orchestrates) and async bodies run inline."""

    name = "process"
    batches_inline = False  # every call goes through run_sync, so that it reaches a worker
    awaits_sync_bodies = False  # an attempt waits for its CPU slot and worker in a thread
    calls_untimed_bodies_here = False  # bodies run in worker processes

    def __init__(self, max_workers: Optional[int] = None, prestart: bool = True, keep_idle: Optional[int] = None,
                 idle_seconds: float = 0.0):
        self.max_workers = max_workers or os.cpu_count() or 1
        # Idle workers kept for the next attempts (all of them, by default); more than that
        # retire once idle for `idle_seconds`.
        self.keep_idle = self.max_workers if keep_idle is None else keep_idle
        self.idle_seconds = idle_seconds
        self._retiring: Optional[asyncio.TimerHandle] = None
        self._forks: Optional[ForkServer] = None
        self._fork = _START_BY_FORK
        self._slots = _Slots(self.max_workers)
        self._lock = threading.Lock()  # guards the pool (idle, workers) and worker/attempt state
        self._changed = threading.Condition(self._lock)  # a worker came or went
        self._idle: list[_Worker] = []
        self._workers: set[_Worker] = set()
        self._rids = itertools.count(1)
        self._server = RequestServer()
        self._serving: set[asyncio.Task] = set()
        self._oom_kills = _oom_kills()
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="flyte-process-io", daemon=True)
        self._thread.start()
        atexit.register(self.shutdown)
        if self._fork:
            # The fork server imports flyte (~0.5 s) while this process goes on: the first
            # attempts find it ready, or wait only for what is left of its start. Started on the
            # I/O thread, to which its parent-death signal is tied; queued before any worker.
            self._loop.call_soon_threadsafe(self._start_fork_server)
        # Started now (they take attempts once their interpreters are up): the first attempts
        # find them idle instead of starting more. A pool made for the inline executor's timed
        # bodies (`prestart=False`) starts workers as attempts need them.
        if prestart:
            asyncio.run_coroutine_threadsafe(self._prestart(self.max_workers), self._loop).result()

    # -- the Executor protocol -------------------------------------------------------------------------

    def run_async(self, call: Call, kwargs: dict, budget: Optional[float]) -> Awaitable[Any]:
        return INLINE.run_async(call, kwargs, budget)

    def run_sync(self, call: Call, kwargs: dict, budget: Optional[float]) -> Any:
        if call.parent.id is None:
            # the root orchestrates: it stays here (a timed one, in a worker of this pool after all)
            return INLINE.run_sync(call, kwargs, budget)
        return self.run_in_worker(call, attempt_payload(call, kwargs, reuse_task=True), budget)

    def run_in_worker(self, call: Call, payload: bytes, budget: Optional[float],
                      require_start: bool = False) -> Any:
        """One attempt of a sync body (`payload`, from `attempt_payload`) in a worker process,
        blocking this thread; after `budget` seconds the worker is killed and `AttemptExpired`
        raised. Nothing the body does after that reaches the run: a killed worker's requests
        are no longer served. With `require_start`, a worker that cannot load the task or its
        inputs (a module it cannot import) raises `BodyNotLoaded`: the body did not run."""
        attempt = _Attempt(next(self._rids), call.run, call.aid, call.attempt, call.rt.name)
        self._slots.acquire()
        self._server.frames[call.aid] = call
        try:
            response = self._run(attempt, payload, budget)
        finally:
            self._server.frames.pop(call.aid, None)
            with self._lock:
                attempt.finished = True
                give_back = not attempt.lent
            if give_back:
                self._slots.release()
        answer: AttemptOutcome = cloudpickle.loads(response)
        if require_start and not attempt.began and not answer.ok:
            raise BodyNotLoaded(f"{type(answer.value).__name__}: {answer.value}") from answer.value
        save_report(call, answer.report)
        return answer.result()

    def run_starting(self) -> None:
        pass  # started with its workers (and their fork server) when it was made

    def shutdown(self) -> None:
        """Close every worker (each exits when its socket closes) and stop the I/O thread."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            workers = list(self._workers)
            self._idle.clear()
        for w in workers:
            try:
                w.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for w in workers:
            try:
                w.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._kill(w, "shutdown")
        if self._forks is not None:
            self._forks.close()
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)

    def resize(self, max_workers: int) -> None:
        """Let `max_workers` bodies compute at once from now on (surplus idle workers exit)."""
        delta = max_workers - self.max_workers
        self.max_workers = self.keep_idle = max_workers
        self._slots.resize(delta)
        with self._lock:
            surplus = self._idle[max_workers:]
            del self._idle[max_workers:]
        for worker in surplus:
            self._retire(worker)
        if delta > 0:
            asyncio.run_coroutine_threadsafe(self._prestart(delta), self._loop).result()

    def _retire(self, worker: _Worker) -> None:
        """Close an idle worker's socket: it exits (and `_lost` forgets it)."""
        try:
            worker.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def worker_pids(self) -> list[int]:
        """The pids of the live worker processes (for tests and tools)."""
        with self._lock:
            return sorted(w.pid for w in self._workers if not w.dead)

    def wait_for_workers(self, n: int, timeout: float) -> bool:
        """Wait until exactly `n` worker processes live (False if `timeout` seconds pass first)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._workers) == n, timeout)

    # -- one attempt --------------------------------------------------------------------------------------

    def _run(self, attempt: _Attempt, payload: bytes, budget: Optional[float]) -> bytes:
        for tries in itertools.count(1):
            worker = self._take()
            with self._lock:
                if worker.dead:
                    continue
                attempt.future = concurrent.futures.Future()
                attempt.started = concurrent.futures.Future()
                worker.attempt = attempt
                worker.tail.clear()
            try:
                worker.frames.send(ATTEMPT, attempt.rid, payload)
                break
            except OSError:  # it died before it got the attempt, which has not started: use another
                with self._lock:
                    if worker.attempt is attempt:
                        worker.attempt = None
                if tries >= 3:
                    raise WorkerLost(f"No worker process could be started for task {attempt.task!r}") from None
        try:
            if budget is not None:
                # The budget is the body's: a worker's start and the import of the task's module
                # (the first time this worker runs it) do not count.
                attempt.started.result()
            return attempt.future.result(timeout=budget)
        except concurrent.futures.TimeoutError:
            self._kill(worker, "its attempt timed out")
            # The attempt ends once its body is gone (a SIGKILL takes effect when the kernel next
            # schedules the process): nothing it does can follow its failure, or meet its retry.
            worker.proc.wait()
            raise AttemptExpired() from None
        except WorkerLost:
            raise
        except BaseException:  # interrupted while waiting: the body must not go on computing
            self._kill(worker, "the caller was interrupted")
            raise

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if not worker.dead:
                    return worker
        if threading.current_thread() is self._thread:  # pragma: no cover - sync calls never run on the loop
            raise RuntimeError("a sync task body cannot be started from the process executor's I/O thread")
        return asyncio.run_coroutine_threadsafe(self._spawn(), self._loop).result()

    def _kill(self, worker: _Worker, why: str) -> None:
        worker.killed = why
        try:
            os.killpg(worker.pid, signal.SIGKILL)  # its own session: the body's children go too
        except (ProcessLookupError, PermissionError):
            try:
                worker.proc.kill()
            except OSError:
                pass

    # -- the I/O thread --------------------------------------------------------------------------------

    async def _spawn(self) -> _Worker:
        return self._start_worker()

    def _start_fork_server(self) -> Optional[ForkServer]:
        """This pool's fork server, started (not waited for) if there is none alive; None when
        it cannot start (workers are then started as new interpreters from now on). I/O thread."""
        server = self._forks
        if server is None or not server.alive():
            if self._closed or not self._fork:
                return None
            try:
                server = self._forks = ForkServer(base_environment())
            except OSError:
                self._fork = False
                return None
        return server

    def _fork_worker(self, sock: int, stdout: int, stderr: int) -> Optional[ForkedProcess]:
        """A worker forked by this pool's fork server (started with the pool, or again after it died, on the I/O thread,
        to which its parent-death signal is tied: it lives as long as the pool); None where
        workers are not forked, or the server cannot fork this one (a new interpreter is started
        instead, whose start-up reports what goes wrong)."""
        for _ in range(2):
            if not self._fork:
                return None
            fresh = self._forks is None or not self._forks.alive()
            server = self._start_fork_server()
            if server is None:
                return None
            try:
                return server.spawn((sock, stdout, stderr), base_environment())
            except ForkFailed:  # the server lives (its workers with it) but could not fork now
                return None
            except OSError:  # the server is gone (or hangs): the next worker starts a new one
                server.close()
                if fresh:  # a new server that cannot start workers: start interpreters from now on
                    self._fork = False
        return None

    async def _prestart(self, n: int) -> None:
        for _ in range(n):
            self._spawn_idle()

    def _spawn_idle(self) -> None:
        if self._closed:
            return
        try:
            worker = self._start_worker()
        except OSError:
            return  # the next attempt tries again and reports why it cannot
        with self._lock:
            self._idle.append(worker)

    def _start_worker(self) -> _Worker:
        mine, theirs = socket.socketpair()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            proc: Optional[subprocess.Popen | ForkedProcess] = self._fork_worker(theirs.fileno(), out_w, err_w)
            if proc is None:
                code = f"import sys; sys.path[:] = {sys.path!r}; from flyte._executor._worker import main; main()"
                proc = subprocess.Popen(
                    [sys.executable, "-c", code, str(os.getpid()), str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
                    start_new_session=True, env=base_environment(),
                )
        except BaseException:
            mine.close()
            os.close(out_r)
            os.close(err_r)
            raise
        finally:
            theirs.close()
            os.close(out_w)
            os.close(err_w)
        assert proc is not None
        worker = _Worker(proc, mine, out_r, err_r)
        with self._lock:
            self._workers.add(worker)
            self._changed.notify_all()
        loop = self._loop
        loop.add_reader(mine.fileno(), self._on_socket, worker)
        for stream, fd in worker.pipes.items():
            os.set_blocking(fd, False)
            loop.add_reader(fd, self._on_pipe, worker, stream, fd)
        return worker

    def _on_socket(self, worker: _Worker) -> None:
        try:
            data = worker.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._lost(worker)
            return
        for kind, rid, payload in worker.buffer.feed(data):
            if kind == DONE or kind == DONE_RETIRING:
                self._attempt_done(worker, rid, payload, retiring=kind == DONE_RETIRING)
            elif kind == REQUEST and worker.killed is None:  # a killed body's last words are not obeyed
                task = self._loop.create_task(self._serve(worker, rid, payload))
                self._serving.add(task)
                task.add_done_callback(self._serving.discard)
            elif kind == STARTED:
                attempt = worker.attempt
                if attempt is not None and attempt.rid == rid:
                    attempt.began = True
                    _resolve(attempt.started)
            elif kind == HELLO:
                worker.ready = True

    def _attempt_done(self, worker: _Worker, rid: int, payload: bytes, retiring: bool) -> None:
        self._drain(worker)  # whatever the body wrote before it finished belongs to this attempt
        self._pass_fragments(worker)
        with self._lock:
            attempt = worker.attempt
            worker.attempt = None
            if not retiring and not worker.dead and not self._closed:
                if len(self._idle) < self.max_workers:
                    worker.idle_since = time.monotonic()
                    self._idle.append(worker)
                    if len(self._idle) > self.keep_idle and self._retiring is None:
                        self._retiring = self._loop.call_later(self.idle_seconds, self._retire_idle)
                else:
                    retiring = True
        if retiring:  # it exits (or is told to)
            self._retire(worker)
        if attempt is not None and attempt.rid == rid and not attempt.future.done():
            attempt.future.set_result(payload)
            _resolve(attempt.started)

    def _retire_idle(self) -> None:
        """Idle workers beyond `keep_idle` that have waited `idle_seconds` for an attempt exit."""
        now = time.monotonic()
        with self._lock:
            self._retiring = None
            surplus = len(self._idle) - self.keep_idle
            # `_take` reuses the most recently idle worker (the list's end): the front waited longest
            old = [w for w in self._idle[:max(surplus, 0)] if now - w.idle_since >= self.idle_seconds]
            for w in old:
                self._idle.remove(w)
            if surplus > len(old):
                wait = self._idle[0].idle_since + self.idle_seconds - now
                self._retiring = self._loop.call_later(max(wait, 0.0), self._retire_idle)
        for w in old:
            self._retire(w)

    async def _serve(self, worker: _Worker, rid: int, request: bytes) -> None:
        try:
            kind, payload = decode_request(request)
        except BaseException as e:
            answer = safe_dumps((False, e))
        else:
            attempt = worker.attempt
            nested = kind == "call" and attempt is not None
            if nested:
                await self._lend(attempt)  # type: ignore[arg-type]
            try:
                answer = await self._server.handle(kind, payload)
            finally:
                if nested:
                    await self._reclaim(attempt)  # type: ignore[arg-type]
        if not worker.dead:
            try:
                worker.frames.send(ANSWER, rid, answer)
            except OSError:
                pass  # it died; _lost reports it

    async def _lend(self, attempt: _Attempt) -> None:
        """The body waits for a nested call: its CPU slot can run the callee meanwhile."""
        with self._lock:
            attempt.calls += 1
            lend = attempt.calls == 1 and not attempt.lent and not attempt.finished
            if lend:
                attempt.lent = True
        if lend:
            self._slots.release()

    async def _reclaim(self, attempt: _Attempt) -> None:
        """The body's last nested call returned: it computes again once it has a slot."""
        with self._lock:
            attempt.calls -= 1
            reclaim = attempt.calls == 0 and attempt.lent and not attempt.finished
        if not reclaim:
            return
        await self._slots.acquire_async()
        with self._lock:
            keep = not attempt.finished and attempt.calls == 0
            if keep:
                attempt.lent = False
        if not keep:
            self._slots.release()

    def _on_pipe(self, worker: _Worker, stream: str, fd: int) -> None:
        self._read_chunk(worker, stream, fd)

    def _drain(self, worker: _Worker) -> None:
        for stream, fd in list(worker.pipes.items()):
            while self._read_chunk(worker, stream, fd):
                pass

    def _read_chunk(self, worker: _Worker, stream: str, fd: int) -> bool:
        """Pass on one read of the pipe's output; False when nothing more is waiting or it closed."""
        try:
            data = os.read(fd, _RECV)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            data = b""
        if not data:
            self._close_pipe(worker, stream)
            return False
        self._output(worker, stream, data)
        return True

    def _close_pipe(self, worker: _Worker, stream: str) -> None:
        fd = worker.pipes.pop(stream, None)
        if fd is None:
            return
        self._loop.remove_reader(fd)
        os.close(fd)

    def _output(self, worker: _Worker, stream: str, data: bytes) -> None:
        attempt = worker.attempt
        if stream == "stderr":
            tail = worker.tail
            tail += data
            if len(tail) > _TAIL:
                del tail[:-_TAIL]
        text = worker.decoders[stream].decode(data)
        if not text:
            return
        held = worker.fragments.pop(stream, None)
        if held is not None:
            held[1].cancel()
            text = held[0] + text
        end = max(text.rfind("\n"), text.rfind("\r")) + 1
        if end < len(text):
            timer = self._loop.call_later(_FRAGMENT_WAIT, self._pass_fragment, worker, stream)
            worker.fragments[stream] = (text[end:], timer)
            text = text[:end]
        if text:
            self._pass_on(attempt, stream, text)

    @staticmethod
    def _pass_on(attempt: Optional[_Attempt], stream: str, text: str) -> None:
        if attempt is None:
            body_output(None, None, 0, stream, text)
        else:
            body_output(attempt.run, attempt.aid, attempt.number, stream, text)

    def _pass_fragment(self, worker: _Worker, stream: str) -> None:
        """An unended line, passed on as it is: its end did not come in time, or the attempt ended."""
        held = worker.fragments.pop(stream, None)
        if held is not None:
            held[1].cancel()
            self._pass_on(worker.attempt, stream, held[0])

    def _pass_fragments(self, worker: _Worker) -> None:
        for stream in list(worker.fragments):
            self._pass_fragment(worker, stream)

    def _lost(self, worker: _Worker) -> None:
        """The worker's socket closed: it exited, crashed or was killed."""
        if worker.dead:
            return
        loop = self._loop
        loop.remove_reader(worker.sock.fileno())
        try:
            code = worker.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # it closed its socket but lives on: it cannot be used
            self._kill(worker, "it closed its socket")
            code = worker.proc.wait()
        self._drain(worker)
        self._pass_fragments(worker)
        for stream in list(worker.pipes):
            self._close_pipe(worker, stream)
        worker.sock.close()
        with self._lock:
            worker.dead = True
            attempt = worker.attempt
            worker.attempt = None
            self._workers.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            # keep the pool at its idle size; a worker that never started is not retried here (the
            # next attempt starts one and reports why it cannot), and one retired as surplus is not
            # replaced
            replace = (not self._closed and (worker.ready or worker.killed is not None)
                       and len(self._workers) < self.keep_idle)
            self._changed.notify_all()
        if replace:  # before the attempt hears of it: its retry finds the replacement idle, not none
            self._spawn_idle()
        if attempt is not None and not attempt.future.done():
            attempt.future.set_exception(self._lost_error(worker, attempt, code))
            _resolve(attempt.started)

    def _lost_error(self, worker: _Worker, attempt: _Attempt, code: int) -> WorkerLost:
        oom = False
        if code < 0:
            sig = -code
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            if sig == signal.SIGKILL:
                kills = _oom_kills()
                oom = kills is not None and self._oom_kills is not None and kills > self._oom_kills
                self._oom_kills = kills
                what = ("was killed by the kernel's out-of-memory killer (SIGKILL)" if oom else
                        "was killed (SIGKILL: by `kill -9`, or by the kernel when memory ran out)")
            elif sig in _CRASHES:
                what = f"crashed with {_CRASHES[signal.Signals(sig)]} ({name})"
            else:
                what = f"was killed by {name}"
        else:
            what = f"exited with status {code}"
        where = f"Worker process {worker.pid} running task {attempt.task!r} (action {attempt.aid})"
        if not worker.ready:
            where = f"Worker process {worker.pid}, started for task {attempt.task!r}, could not start: it"
        message = f"{where} {what}"
        tail = bytes(worker.tail).decode("utf-8", "replace").replace(SYSTEM_MARK, "").strip()
        if tail:
            lines = tail.splitlines()[-20:]
            message += "; the end of its stderr:\n" + "\n".join(lines)
        return WorkerLost(message, out_of_memory=oom)


# -- the process's pool -----------------------------------------------------------------------------------

_executor: Optional[ProcessExecutor] = None
_executor_lock = threading.Lock()


def _configured_workers(max_workers: Optional[int]) -> Optional[int]:
    if max_workers is None:
        raw = os.environ.get(MAX_WORKERS_ENV_VAR, "").strip()
        if raw:
            try:
                max_workers = int(raw)
            except ValueError:
                raise ValueError(f"{MAX_WORKERS_ENV_VAR}={raw!r} is not a number of worker processes") from None
    if max_workers is not None and max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers}")
    return max_workers


def process_executor(max_workers: Optional[int] = None, prestart: bool = True) -> ProcessExecutor:
    """The process's pool of workers, started on first use; `max_workers` (else
    $FLYTE_MAX_WORKERS, else the number of CPUs) bodies compute at once. Without `prestart`, a
    new pool starts its workers when attempts need them."""
    global _executor
    max_workers = _configured_workers(max_workers)
    with _executor_lock:
        if _executor is None or _executor._closed:
            _executor = ProcessExecutor(max_workers, prestart)
        elif max_workers is not None and max_workers != _executor.max_workers:
            _executor.resize(max_workers)
        return _executor


# -- the inline executor's pool for timed sync bodies ------------------------------------------------------

# How long a killable worker beyond the pool's idle size waits for another attempt before it exits.
IDLE_SECONDS_ENV_VAR = "FLYTE_WORKER_IDLE_SECONDS"

_killable: Optional[ProcessExecutor] = None


def killable_pool() -> ProcessExecutor:
    """The pool in which the inline executor runs timed sync bodies, so that their deadlines can
    kill them (`flyte._executor._inline`), started on first use.

    As many bodies run in it at once as sync bodies run on threads (`MAX_SYNC_WORKERS`,
    $FLYTE_MAX_SYNC_WORKERS, 256 by default): a body blocked on I/O holds a process, not a CPU,
    so a fan-out of timed sync calls runs as wide as it would untimed. Workers are forked as
    attempts need them; when idle, $FLYTE_MAX_WORKERS of them (default: one per CPU) stay for the
    next attempts and the others exit after $FLYTE_WORKER_IDLE_SECONDS (default 10) without one."""
    global _killable
    keep = _configured_workers(None) or os.cpu_count() or 1
    raw = os.environ.get(IDLE_SECONDS_ENV_VAR, "").strip()
    try:
        idle_seconds = float(raw) if raw else 10.0
    except ValueError:
        raise ValueError(f"{IDLE_SECONDS_ENV_VAR}={raw!r} is not a number of seconds") from None
    with _executor_lock:
        if _killable is None or _killable._closed:
            _allow_open_files(3 * MAX_SYNC_WORKERS + 1024)  # a worker holds 3 here: its socket, 2 pipes
            _killable = ProcessExecutor(MAX_SYNC_WORKERS, prestart=False, keep_idle=min(keep, MAX_SYNC_WORKERS),
                                        idle_seconds=idle_seconds)
        return _killable


def _allow_open_files(n: int) -> None:
    """Raise this process's soft limit of open files to `n` if it is lower (and the hard limit
    allows): a wide fan-out holds a few descriptors per worker, and a soft limit of 1024 is common."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < n:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n if hard == resource.RLIM_INFINITY else min(n, hard), hard))
    except (ImportError, ValueError, OSError):
        pass


def _forget_after_fork() -> None:
    global _executor, _killable
    _executor = _killable = None  # a forked child has none of the pools' threads or workers


os.register_at_fork(after_in_child=_forget_after_fork)

__all__ = ["IDLE_SECONDS_ENV_VAR", "BodyNotLoaded", "ProcessExecutor", "body_output", "killable_pool",
           "process_executor"]
