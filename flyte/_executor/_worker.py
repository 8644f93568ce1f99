"""A worker process of the process executor: runs one attempt at a time for its controller.

Started by `flyte._executor._process` with the controller's `sys.path`, one end of a socket
(`flyte._executor._wire` frames) and pipes as stdout and stderr (which the controller reads and
keeps per action). The main thread runs attempts, one at a time. Nested task calls, records and
stored values go back to the controller through `ProcessLink`.

The worker dies with its controller: the kernel kills it when the controller dies (Linux's
parent-death signal); elsewhere it exits when it next reads the closed socket.
"""

from __future__ import annotations

import asyncio
import faulthandler
import itertools
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any, Optional

from .._controller import format_failure
from ..errors import OOMError
from ._remote import AttemptOutcome, run_attempt_here, safe_dumps
from ._wire import ANSWER, ATTEMPT, DONE, DONE_RETIRING, HELLO, REQUEST, STARTED, FrameSocket


class ProcessLink:
    """The worker's `Link` (`flyte._executor._remote`) and its only reader of the socket.

    There is no reader thread: whichever thread is waiting for a frame reads the socket (the
    main thread between attempts, a body's thread waiting for the answer to its request), so a
    frame reaches the thread that waits for it without a hand-off. When several threads wait,
    one reads and passes the others' answers on."""

    def __init__(self, frames: FrameSocket):
        self.frames = frames
        self.ids = itertools.count(1)
        self.cond = threading.Condition()
        self.reading = False  # a thread is reading the socket
        self.answers: dict[int, bytes] = {}  # read for a thread that has not taken it yet
        self.attempts: list[tuple[int, bytes]] = []  # read by a thread that wanted an answer

    def send(self, request: bytes) -> bytes:
        rid = next(self.ids)
        _send(self.frames, REQUEST, rid, request)
        answer = self._wait(rid)
        assert answer is not None
        return answer

    async def send_async(self, request: bytes) -> bytes:
        # a body that runs its own event loop: wait in a thread, so that the loop runs meanwhile
        return await asyncio.to_thread(self.send, request)

    def next_attempt(self) -> tuple[int, bytes]:
        """The main thread, between attempts: the next attempt to run."""
        with self.cond:
            if self.attempts:
                return self.attempts.pop(0)
        got = self._wait(None)
        assert isinstance(got, tuple)
        return got

    def _wait(self, rid: Optional[int]) -> Any:
        """Wait for the answer to request `rid`, or (None) for an attempt."""
        with self.cond:
            while True:
                if rid is not None and rid in self.answers:
                    return self.answers.pop(rid)
                if rid is None and self.attempts:
                    return self.attempts.pop(0)
                if not self.reading:
                    self.reading = True
                    break
                self.cond.wait()
        try:
            while True:
                try:
                    frame = self.frames.recv_frame()
                except OSError:
                    frame = None
                if frame is None:  # the controller closed the socket or died: nobody is left to answer to
                    os._exit(0)
                kind, got, payload = frame
                if kind == ANSWER:
                    if got == rid:
                        return payload
                    with self.cond:
                        self.answers[got] = payload
                        self.cond.notify_all()
                elif kind == ATTEMPT:
                    if rid is None:
                        return got, payload
                    with self.cond:
                        self.attempts.append((got, payload))
                        self.cond.notify_all()
        finally:
            with self.cond:
                self.reading = False
                self.cond.notify_all()


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when the controller dies, however it dies (kill -9
    included). Linux only; elsewhere the closed socket ends the worker (see `ProcessLink`)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the controller died before the signal was armed
        os._exit(1)


def preload() -> None:
    """Import what running an attempt needs beyond this module (for a fork server: forked
    workers then start with it, instead of each importing it for its first attempt)."""
    from .. import TaskEnvironment  # noqa: F401  (its module is what unpickling a task loads)


def _c_flush() -> Callable[[], Any]:
    """fflush(NULL): output a C extension wrote with stdio reaches the pipe before the attempt ends."""
    try:
        import ctypes

        fflush = ctypes.CDLL(None).fflush
        fflush.argtypes = [ctypes.c_void_p]
        return lambda: fflush(None)
    except (OSError, AttributeError):
        return lambda: None


def _outcome(rid: int, payload: bytes, link: ProcessLink) -> tuple[bytes, bool]:
    """One attempt, pickled; and whether this worker must retire after it."""
    retire = False
    try:
        # not captured here: the controller reads this process's stdout and stderr (Python, C,
        # threads) and files them under the attempt running (`_process.body_output`)
        answer = run_attempt_here(payload, link, capture=False,
                                  on_start=lambda: _send(link.frames, STARTED, rid, b""))
    except BaseException as e:  # the attempt could not even start (inputs or task that do not unpickle)
        answer = AttemptOutcome(False, e, None, format_failure(e))
    if not answer.ok and isinstance(answer.value, MemoryError):
        # The process may be left without memory (or with the memory limit the body set): it
        # answers this attempt and makes room for a fresh worker.
        detail = f": {answer.value}" if str(answer.value) else ""
        oom = OOMError("MemoryError", f"The task ran out of memory in worker process {os.getpid()} "
                                      f"(MemoryError{detail}); the worker was replaced")
        trace = f"{answer.traceback or ''}\nflyte.errors.OOMError: {oom}\n"
        answer = answer._replace(value=oom, traceback=trace)
        retire = True
    try:
        return safe_dumps(answer), retire
    except Exception as e:  # a result that cannot be pickled
        err = TypeError(f"The task's result ({type(answer.value).__name__}) cannot be sent back from its worker "
                        f"process: {e}")
        return safe_dumps(AttemptOutcome(False, err, answer.report, None)), retire


def main(argv: Optional[list[str]] = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    parent, fd = int(args[0]), int(args[1])
    die_with_parent(parent)
    faulthandler.enable(all_threads=False)  # a crash prints the body's stack to stderr, kept with the action
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)  # lines reach the controller as they are printed
    frames = FrameSocket(socket.socket(fileno=fd))
    link = ProcessLink(frames)
    c_flush = _c_flush()
    _send(frames, HELLO, os.getpid(), b"")
    while True:
        rid, payload = link.next_attempt()
        out, retire = _outcome(rid, payload, link)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        c_flush()
        # Everything the body printed is in the pipes before the controller hears it is done.
        _send(frames, DONE_RETIRING if retire else DONE, rid, out)
        if retire:
            os._exit(0)


def _send(frames: FrameSocket, kind: int, rid: int, payload: bytes) -> None:
    try:
        frames.send(kind, rid, payload)
    except OSError:  # the controller is gone (or closed this worker): nobody is left to answer to
        os._exit(0)


if __name__ == "__main__":
    main()
