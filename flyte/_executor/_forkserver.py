"""A fork server: worker processes start as forks of a process that has already imported flyte.

A worker started as `python -c ...` pays an interpreter's start and flyte's import, a few hundred
milliseconds of CPU each; a wide fan-out of timed sync bodies (`flyte._executor._inline`) starts
dozens of workers at once, and would spend seconds of CPU doing that. Forked from a server that
imported the worker's modules once, a worker starts in about a millisecond and shares the
server's pages (copy-on-write; the server freezes its objects out of the garbage collector's
reach so that collections in the workers do not copy them).

The server is started by one pool (`ProcessExecutor`) from its I/O thread and serves only that
pool. It is single-threaded (forking a process with threads is unsafe), and forks on request: a
request carries the worker's three file descriptors (its socket's end, the write ends of its
stdout and stderr pipes) and what the worker would have inherited from the controller had the
controller started it itself (environment, `sys.path`, working directory). The server reaps its
children and reports each one's exit status (`Popen.returncode`'s convention: minus the signal
that killed it), which `ForkedProcess.wait` returns.

Lifetimes: the server dies with the controller (the parent-death signal tied to the pool's I/O
thread, and its socket's end of file); a worker dies with the server (the same signal), so a
worker never outlives its controller. If the server dies under its workers, they die too, and
each is reported as killed (SIGKILL); the pool starts a new server for its next worker.

A pool starts its server when it is made, without waiting for it (it imports flyte, ~0.5 s):
the inline executor makes its pool of killable workers when a run starts and a loaded sync task
has a timeout (`InlineExecutor.run_starting`), so a run's first timed fan-out finds the server
ready, or waits only for what is left of its start.

Why not multiprocessing's "forkserver" start method, which does the same at heart:
- a worker here is started with what the controller would give a worker it started itself: the
  environment, `sys.path` and working directory of the moment it is asked for (multiprocessing's
  children inherit its server's environment, fixed when that server started), and its stdout and
  stderr are the pipes the pool reads per attempt (there they are the server's);
- a worker dies with the controller and with its server (parent-death signals), so a kill -9 of
  the controller leaves no body running; the server is one per pool, closed and replaced with it;
- it is cheaper per worker. Measured in one run (`bench/bench_forkserver.py`, 30 workers started
  one after another, medians of 3 rounds, 2 loaded cores; multiprocessing with the same module
  preloaded): until a worker is up 6.6 ms here against 59 ms (0.11x), until it is also reaped
  8.0 ms against 62 ms (0.13x), 0.63 ms of the controller's CPU per worker against 1.03 ms
  (0.61x); the first worker, which waits for its server's start, 562 ms against 522 ms (1.08x).
"""

from __future__ import annotations

import concurrent.futures
import gc
import itertools
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
import traceback
from typing import Optional

_MAX_REQUEST = 1 << 20
_REPLY_TIMEOUT = 120.0  # a fork takes milliseconds; this only bounds a server that hangs


class ForkFailed(OSError):
    """The server could not fork a worker (out of memory or processes); it still serves."""


class ForkedProcess:
    """A worker forked by the server: the part of `subprocess.Popen` the pool uses."""

    __slots__ = ("_exited", "pid", "returncode")

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: Optional[int] = None
        self._exited = threading.Event()

    def _exit(self, code: int) -> None:
        if self.returncode is None:
            self.returncode = code
            self._exited.set()

    def poll(self) -> Optional[int]:
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:  # once reaped, its pid may belong to another process
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class ForkServer:
    """The controller's end of one fork server (started by the constructor)."""

    def __init__(self, environment: dict[str, str]):
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        code = f"import sys; sys.path[:] = {sys.path!r}; from flyte._executor._forkserver import serve; serve()"
        try:
            # stderr is this process's: a server that cannot start says why there
            self.proc = subprocess.Popen([sys.executable, "-c", code, str(os.getpid()), str(theirs.fileno())],
                                         pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, start_new_session=True, env=environment)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        self.sock = mine
        self.lock = threading.Lock()  # guards pending, children and closed
        self.sending = threading.Lock()
        self.ids = itertools.count(1)
        self.pending: dict[int, concurrent.futures.Future] = {}
        self.children: dict[int, ForkedProcess] = {}
        self.closed = False
        self.reader = threading.Thread(target=self._read, name="flyte-forkserver", daemon=True)
        self.reader.start()

    def spawn(self, fds: tuple[int, int, int], environment: dict[str, str]) -> ForkedProcess:
        """A new worker running `flyte._executor._worker.main` with `fds` (its socket's end, its
        stdout, its stderr), this environment, this process's `sys.path` and working directory.
        Raises ForkFailed when the server could not fork, another OSError when it is gone."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self.lock:
            if self.closed:
                raise OSError("the fork server has stopped")
            rid = next(self.ids)
            self.pending[rid] = future
        request = pickle.dumps((rid, environment, list(sys.path), os.getcwd()))
        try:
            with self.sending:  # not under `lock`, which the reader takes: a full socket must not block it
                socket.send_fds(self.sock, [request], list(fds))
        except OSError:
            with self.lock:
                self.pending.pop(rid, None)
            raise
        try:
            return future.result(timeout=_REPLY_TIMEOUT)
        except concurrent.futures.TimeoutError:
            raise OSError(f"the fork server (pid {self.proc.pid}) did not answer") from None

    def alive(self) -> bool:
        return not self.closed

    def close(self) -> None:
        """Stop the server (its workers are the pool's to stop first: any left die with it)."""
        with self.lock:
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _read(self) -> None:
        while True:
            try:
                message = self.sock.recv(4096)
            except OSError:
                message = b""
            if not message:
                break
            kind, key, value = pickle.loads(message)
            if kind == "started":
                child = ForkedProcess(value)
                with self.lock:
                    self.children[value] = child
                    future = self.pending.pop(key, None)
                if future is not None:
                    future.set_result(child)
            elif kind == "failed":
                with self.lock:
                    future = self.pending.pop(key, None)
                if future is not None:
                    future.set_exception(ForkFailed(f"the fork server could not start a worker: {value}"))
            elif kind == "exit":
                with self.lock:
                    exited = self.children.pop(key, None)
                if exited is not None:
                    exited._exit(value)
        # The server is gone (it closed, crashed or was killed): its workers died with it (the
        # parent-death signal), and no request will be answered.
        with self.lock:
            self.closed = True
            pending, self.pending = list(self.pending.values()), {}
            children, self.children = list(self.children.values()), {}
        code = self.proc.wait()
        for future in pending:
            future.set_exception(OSError(f"the fork server stopped (exit status {code})"))
        for child in children:
            child._exit(-signal.SIGKILL)
        self.sock.close()


# -- the server's side ------------------------------------------------------------------------------------


def serve(argv: Optional[list[str]] = None) -> None:
    """The server's main loop: fork a worker per request, report each child's exit."""
    args = sys.argv[1:] if argv is None else argv
    controller, fd = int(args[0]), int(args[1])
    from . import _worker  # what every worker runs: imported once, here

    _worker.die_with_parent(controller)
    _worker.preload()
    ctl = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wake-up fd is written
    signal.set_wakeup_fd(wake_w)
    gc.collect()
    gc.freeze()  # workers share these pages; collections there must not write to them
    server = os.getpid()
    while True:
        ready, _, _ = select.select([ctl.fileno(), wake_r], [], [])
        if wake_r in ready:
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            _reap(ctl)
        if ctl.fileno() not in ready:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(ctl, _MAX_REQUEST, 3)
        except OSError:
            message, fds = b"", []
        if not message:
            os._exit(0)  # the controller closed its end or died: its workers die with this process
        rid = -1
        try:
            rid, environment, path, cwd = pickle.loads(message)
            pid = os.fork()
        except BaseException as e:
            for f in fds:
                os.close(f)
            _reply(ctl, ("failed", rid, f"{type(e).__name__}: {e}"))
            continue
        if pid == 0:
            _child(server, ctl, (wake_r, wake_w), fds, environment, path, cwd)
        for f in fds:
            os.close(f)
        _reply(ctl, ("started", rid, pid))


def _reply(ctl: socket.socket, message: tuple) -> None:
    try:
        ctl.send(pickle.dumps(message))
    except OSError:
        os._exit(0)  # the controller is gone


def _reap(ctl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _reply(ctl, ("exit", pid, os.waitstatus_to_exitcode(status)))


def _child(server: int, ctl: socket.socket, wake: tuple[int, int], fds: list[int], environment: dict[str, str],
           path: list[str], cwd: str) -> None:
    """In the forked worker: become what `subprocess.Popen` would have started, then run it."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        ctl.close()
        for f in wake:
            os.close(f)
        sock, out, err = fds
        os.setsid()  # its own process group: a timeout kills whatever the body started too
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        os.environ.clear()
        os.environ.update(environment)
        sys.path[:] = path
        os.chdir(cwd)
        from . import _worker

        _worker.main([str(server), str(sock)])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)
