"""What task bodies write, kept with the action that wrote it.

While runs are in flight in this process, `sys.stdout` and `sys.stderr` are `ActionStream`s: a
write made inside an action (its body, a coroutine or thread it started with the context, a trace)
goes to that action's log through `Recorder.output` — the one entry point for action output,
also used for output that arrives from elsewhere (a worker process, a Ray task) — and is echoed to
the stream that was there before, so the terminal still shows it live. While several actions of
a run that write are running at once (siblings of a gather or a map, not a parent waiting for
its child), echoed lines are prefixed with the writer's short name ("[train] epoch 3"), so
interleaved output stays readable. A write made outside any action passes straight through.

`logging` reaches the log the same way: handlers that wrote to the replaced streams are pointed
at the action streams while runs are in flight (and back afterwards), handlers created meanwhile
bind to them anyway, and `flyte.logger` always writes to the current `sys.stderr`.

What the runtime itself writes into an action's log is marked as the runtime's (see
`flyte._store._logs.SYSTEM_MARK`; `flyte get logs --filter-system` leaves it out, as on the SDK):
records of the runtime's loggers (`flyte` and `flyte.*`, not `flyte.user`, the SDK's rule; made
before the run or during it, in this process or a worker's) that reach an action stream, what runtime code writes with `system_print`, and the notes the controller
files with `system_note` (a failed attempt and what follows it).

`FLYTE_CAPTURE_OUTPUT=0` turns capturing off (output goes straight to the terminal, nothing is
kept). Cost: an action that writes nothing pays nothing here (no per-action setup; the store checks one
dict when the action ends). Output written by another process straight to the file descriptors
(a subprocess inheriting them) is not attributed to an action and is only shown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, Optional

from .._context import current_frame
from .._store import system_text

__all__ = ["ActionStream", "capture_begin", "capture_end", "capture_for_process", "capturing",
           "mark_runtime_output_of_worker", "open_writers", "system_note", "system_print"]


class _Writer(threading.local):
    system = False  # this thread is writing the runtime's own output (a log record, a note)


_writer = _Writer()


# Actions that wrote something and have not ended, as (run, action id): who may be writing at
# the same time. `Recorder.finished` removes an action when it ends (a set test when empty).
open_writers: set[tuple[str, str]] = set()


class _RunEcho:
    """How a run's output is echoed: the parent of each action that wrote (to tell a parent
    waiting for its child from a sibling running beside it), and which writers are mid-line."""

    __slots__ = ("mid_line", "parents")

    def __init__(self) -> None:
        self.parents: dict[str, Optional[str]] = {}
        self.mid_line: dict[str, bool] = {}

    def concurrent(self, run: str, aid: str, parent: Optional[str]) -> bool:
        """Whether another action of the run that wrote is still running beside `aid` (not an
        ancestor of it waiting for it to end, as far as the writers' parents tell)."""
        ancestors = {ROOT}
        while parent is not None and parent not in ancestors:
            ancestors.add(parent)
            parent = self.parents.get(parent)
        for r, other in open_writers:
            if r == run and other != aid and other not in ancestors:
                return True
        return False


ROOT = "a0"
_echo: dict[str, _RunEcho] = {}  # per run in flight


class ActionStream:
    """A stand-in for `sys.stdout` or `sys.stderr` that files what actions write under their
    action and echoes it to `target` (the stream it replaced)."""

    def __init__(self, target: Any):
        self.target = target

    def write(self, text: str) -> int:
        frame = current_frame.get()
        if frame is None or frame.id is None or not text:
            return self.target.write(text)
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        run = frame.run
        try:
            run.recorder.output(frame.id, frame.attempt, system_text(text) if _writer.system else text)
        except Exception:  # output must never fail the task that printed it
            pass
        self._echo(run.name, frame.id, frame.parent_id, frame.short_name, text)
        return len(text)

    def _echo(self, run: str, aid: str, parent: Optional[str], short_name: str, text: str) -> None:
        state = _echo.get(run)
        if state is None:
            self.target.write(text)
            return
        state.parents[aid] = parent
        open_writers.add((run, aid))
        mid = state.mid_line.get(aid, False)
        if not state.concurrent(run, aid, parent):
            self.target.write(text)
        else:
            mark = f"[{short_name}] "
            out = []
            for line in text.splitlines(keepends=True):
                out.append(line if mid else mark + line)
                mid = not line.endswith(("\n", "\r"))
            self.target.write("".join(out))
        state.mid_line[aid] = not text.endswith(("\n", "\r"))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.target.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, buffer, ...
        return getattr(self.target, name)


@contextlib.contextmanager
def _as_runtime() -> Iterator[None]:
    """What this thread writes meanwhile is the runtime's own."""
    before = _writer.system
    _writer.system = True
    try:
        yield
    finally:
        _writer.system = before


def system_print(message: str) -> None:
    """Print `message` (one line or several) to stderr as the runtime's own: inside an action it
    goes to the action's log marked as such, and to the terminal as it is."""
    with _as_runtime():
        print(message, file=sys.stderr, flush=True)


def system_note(recorder: Any, aid: str, attempt: int, message: str) -> None:
    """File `message` in attempt `attempt` of action `aid`'s log as the runtime's (not shown on
    the terminal, which shows the run's own progress), if output is being kept at all."""
    if _installed is None:
        return
    try:
        recorder.output(aid, attempt, system_text(message if message.endswith("\n") else message + "\n"))
    except Exception:  # a note must never fail the action it is about
        pass


class _MarkingStream:
    """A worker process's stdout or stderr, a pipe that its controller reads and files under the
    attempt running (`flyte._executor._process.body_output`): what the runtime writes through it
    is marked as the runtime's in the text itself."""

    def __init__(self, target: Any):
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(system_text(text) if _writer.system and text else text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, buffer, reconfigure, ...
        return getattr(self.target, name)


def mark_runtime_output_of_worker() -> None:
    """In a worker process whose stdout and stderr its controller keeps per attempt: mark what
    the runtime's loggers write there as the runtime's, as `ActionStream` does in a controller."""
    _mark_runtime_loggers()
    if not isinstance(sys.stderr, _MarkingStream):
        sys.stdout, sys.stderr = _MarkingStream(sys.stdout), _MarkingStream(sys.stderr)  # type: ignore[assignment]


def _runtime_logger(name: str) -> bool:
    """Whether records of logger `name` are the runtime's own (the SDK's rule: `flyte` and
    `flyte.*`, except `flyte.user`, which is `flyte.logger`, the task's)."""
    return (name == "flyte" or name.startswith("flyte.")) and not (name == "flyte.user"
                                                                   or name.startswith("flyte.user."))


_marking_new_loggers = False  # whether `logging`'s manager marks runtime loggers as it makes them


def _mark_runtime_loggers() -> None:
    """Make the runtime's loggers say, while they handle a record, that what gets written is the
    runtime's (their `handle`, called once per record with every handler's writes inside it):
    those that exist now, and from then on each one as `logging` makes it, whenever that is (a
    body's `logging.getLogger("flyte.x")` in a worker process that started long before)."""
    global _marking_new_loggers
    if _marking_new_loggers:
        return
    manager = logging.Logger.manager
    make = manager.getLogger  # what `logging.getLogger(name)` and `Logger.getChild` call

    def get_logger(name: str) -> logging.Logger:
        lg = make(name)
        _mark(name, lg)
        return lg

    manager.getLogger = get_logger  # type: ignore[method-assign]
    _marking_new_loggers = True
    logging.getLogger("flyte")  # made now if no module made it yet
    for name, lg in list(manager.loggerDict.items()):
        if isinstance(lg, logging.Logger):  # else a placeholder for loggers below it
            _mark(name, lg)


def _mark(name: str, lg: logging.Logger) -> None:
    """Make logger `name` mark what it writes as the runtime's, if it is one of the runtime's
    loggers and is not marked yet."""
    if _runtime_logger(name) and "handle" not in vars(lg):
        handle = lg.handle

        def marked(record: logging.LogRecord) -> None:
            with _as_runtime():
                handle(record)

        lg.handle = marked  # type: ignore[method-assign]


_lock = threading.Lock()
_active = 0
_installed: Optional[tuple[ActionStream, ActionStream]] = None
_moved_handlers: list[tuple[logging.StreamHandler, Any]] = []


def capturing() -> bool:
    """Whether this process is capturing action output now."""
    return _installed is not None


CAPTURE_ENV = "FLYTE_CAPTURE_OUTPUT"  # "0": output goes straight to the terminal, nothing is kept


def capture_begin(run: str) -> None:
    """A run starts: capture output until its `capture_end` (nested runs count)."""
    global _active, _installed
    if os.environ.get(CAPTURE_ENV, "1").strip() == "0":
        return
    with _lock:
        _echo[run] = _RunEcho()
        _active += 1
        _mark_runtime_loggers()
        if _installed is not None:
            return
        out, err = ActionStream(sys.stdout), ActionStream(sys.stderr)
        _moved_handlers[:] = _move_handlers({id(sys.stdout): out, id(sys.stderr): err})
        sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
        _installed = (out, err)


_WORKER_LIFE = "\0worker"  # the pseudo-run that keeps a worker process's capture installed


def capture_for_process() -> None:
    """Keep capturing in this process from now on: a worker process that runs one action after
    another (a Ray worker) installs the streams, and moves the logging handlers, once rather than
    around every action. Writes made outside an action still pass straight through."""
    if _WORKER_LIFE not in _echo:
        capture_begin(_WORKER_LIFE)


def capture_end(run: str) -> None:
    """The run ended; when no run is left, the streams are put back (unless something replaced
    them since, in which case the action streams stay, passing writes through)."""
    global _active, _installed
    with _lock:
        if _echo.pop(run, None) is None:  # not captured (FLYTE_CAPTURE_OUTPUT=0 when it began)
            return
        for key in [k for k in open_writers if k[0] == run]:
            open_writers.discard(key)
        _active = max(0, _active - 1)
        if _active or _installed is None:
            return
        out, err = _installed
        if sys.stdout is out:
            sys.stdout = out.target
        if sys.stderr is err:
            sys.stderr = err.target
        for handler, stream in _moved_handlers:
            if handler.stream in (out, err):
                handler.setStream(stream)
        _moved_handlers.clear()
        _installed = None


def _move_handlers(replacements: dict[int, ActionStream]) -> list[tuple[logging.StreamHandler, Any]]:
    """Point every logging handler that writes to a stream being replaced at its replacement."""
    moved = []
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for lg in loggers:
        for handler in getattr(lg, "handlers", ()):
            # a handler with a stream of its own (not a file, not one that looks sys.stderr up)
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler) \
                    and "stream" in vars(handler):
                target = replacements.get(id(handler.stream))
                if target is not None:
                    moved.append((handler, handler.setStream(target)))
    return moved
