"""What actions wrote (stdout, stderr, logging), kept per attempt with a bound: the store keeps
the tail of each attempt's output and counts what it dropped, so a chatty task cannot fill the disk.

Both stores use the same rules:

- Text arrives in pieces (`MetadataStore.log_written`), in the order it was written, and waits
  in a `LogBuffer` until the store commits it. Pending text is bounded too: past the limit its
  oldest part is dropped before it is ever stored. The SQLite store also journals each write as
  it arrives (`LogBuffer.write` gives it as a piece of its own), so what an action wrote just
  before a kill -9 of its process is applied when the store is next opened.
- Every piece carries the offset of its first character in the attempt's whole output (the
  characters written before it, stored or dropped), so applying a piece twice (a journal replayed
  after a crash that happened between a commit and the journal's removal) changes nothing.
- A stored log is `(text, dropped, times)`: `dropped + len(text)` characters were written, of which
  the last `len(text)` (at most the limit) are kept; `times` says when its lines were written.

When a line was written (`flyte get logs --show-ts`): `times` is a flat list of marks `offset, t,
offset, t, ...` (offsets ascending, in the attempt's whole output). A write that starts a line puts
a mark at the first line start in it, with the wall time of the write; a line was written at the
time of the last mark at or before its first character. One mark per line at most (fewer when
lines come several in one write or in one tick of the clock), and none for a write inside a line.

Who wrote a line: what the runtime itself writes into an action's log (a note on a failed attempt,
a timed-out body left running, a warning of the `flyte` logger while the body ran) begins with
`SYSTEM_MARK`, in the text itself, so the mark goes wherever the text goes (a worker forwarding
its output, the journal, both stores, a resumed run's copy). Readers show such a line without the
mark, set apart, and leave it out when asked (`flyte get logs --filter-system`, as on the SDK). The
mark ends at the end of its line; a mark met inside a line starts a system part there.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, MutableSequence, Sequence
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import sqlite3

LOG_LIMIT_ENV = "FLYTE_LOG_LIMIT"
DEFAULT_LOG_LIMIT = 1_000_000  # characters kept per attempt of an action


def log_limit() -> int:
    """`$FLYTE_LOG_LIMIT` (characters kept per attempt), else a million."""
    raw = os.environ.get(LOG_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOG_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{LOG_LIMIT_ENV}={raw!r} is not a number of characters") from None
    if value < 1:
        raise ValueError(f"{LOG_LIMIT_ENV}={raw!r} must be at least 1")
    return value


SYSTEM_MARK = "\x1e"  # begins a line the runtime wrote (see the module's docstring)


def system_text(text: str) -> str:
    """`text` as the runtime writes it into an action's log: each of its lines marked."""
    return "".join(SYSTEM_MARK + line for line in text.splitlines(keepends=True))


def line_parts(line: str, system: bool = False) -> list[tuple[bool, str]]:
    """One line of a log as (written by the runtime, text without marks) parts: one part, unless
    a mark begins a system part inside it. `system`: the line continues one that the runtime began
    (a page that starts inside a line)."""
    if SYSTEM_MARK not in line:
        return [(system, line)]
    first, *rest = line.split(SYSTEM_MARK)
    return ([(system, first)] if first else []) + [(True, part) for part in rest]


def split_lines(lines: Iterable[tuple[Optional[float], str]],
                continuing: bool = False) -> tuple[list[tuple[Optional[float], list[tuple[bool, str]]]], bool]:
    """Timed lines of a log (`LogPage.lines()`) as (time, parts), each part (written by the
    runtime, text without marks) as `line_parts` gives it, and a runtime's part begun inside a
    body's line on a line of its own: every part but a line's last ends with a newline. Also
    whether they end inside a line the runtime wrote (pass it back as `continuing` for the next
    page; `continuing`: the first line goes on with one)."""
    out: list[tuple[Optional[float], list[tuple[bool, str]]]] = []
    for t, line in lines:
        parts = line_parts(line, continuing)
        if len(parts) > 1:
            last = len(parts) - 1
            parts = [(system, text if k == last or text.endswith("\n") else text + "\n")
                     for k, (system, text) in enumerate(parts)]
        out.append((t, parts))
        continuing = parts[-1][0] and not line.endswith("\n")
    return out, continuing


LogKey = tuple  # (run, action, attempt)
APPEND = -1  # a piece whose position is not known: it goes after whatever is stored


Marks = MutableSequence  # flat floats: offset, time, offset, time, ... (a list, or an array as stored)
Stamps = Optional[Sequence[tuple[int, float]]]  # where each write of a text began in it, and when


class Piece:
    """Text of one attempt not yet committed. `offset` >= 0: where `text` starts in the
    attempt's output; `offset` = -1-k: after whatever is stored, once k characters dropped here.
    `marks` are relative to the piece's text; `mid_line`: its last character ends no line."""

    __slots__ = ("marks", "mid_line", "offset", "parts", "size")

    def __init__(self, offset: int):
        self.offset = offset
        self.parts: list[str] = []
        self.size = 0
        self.marks: Marks = []
        self.mid_line = False  # unknown after a commit: a spare mark is harmless, a missing one is not

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def add(self, text: str, at: float) -> None:
        """`text` written at wall time `at` (one write)."""
        marks = self.marks
        if self.mid_line:
            first = text.find("\n") + 1  # 0: no line starts in it; len(text): only the next write's does
            if 0 < first < len(text) and (not marks or marks[-1] != at):
                marks += (self.size + first, at)
        elif not marks or marks[-1] != at:
            marks += (self.size, at)
        self.mid_line = text[-1] != "\n"
        self.parts.append(text)
        self.size += len(text)

    def add_stamped(self, text: str, stamps: Sequence[tuple[int, float]]) -> None:
        """`text` made of several writes: `stamps` = (where each began in `text`, when), in order."""
        bounds = [*(i for i, _ in stamps[1:]), len(text)]
        if stamps and stamps[0][0] > 0:  # a start without a time: the first one's
            self.add(text[:stamps[0][0]], stamps[0][1])
        for (begin, at), end in zip(stamps, bounds):
            if end > begin:
                self.add(text[begin:end], at)

    def cut(self, keep: int) -> None:
        """Keep the last `keep` characters (and the marks that still say when they were written)."""
        whole = self.text()
        cut = len(whole) - keep
        self.parts = [whole[cut:]]
        self.size = keep
        self.offset = self.offset + cut if self.offset >= 0 else self.offset - cut
        self.marks = shift_marks(self.marks, cut)


def trim_marks(marks: Marks, start: float) -> Marks:
    """The marks of a text whose characters before `start` are gone: the last mark at or before
    `start` moves to it (the line it dates goes on in what is left), earlier ones go."""
    first = bisect_right(marks[0::2], start) - 1
    if first < 0:
        return marks
    out = marks[2 * first:]  # a copy (of the list or the array)
    out[0] = start
    return out


def shift_marks(marks: Marks, cut: int) -> Marks:
    """The marks of a text whose first `cut` characters are gone, relative to what is left."""
    if not cut:
        return marks
    out = trim_marks(marks, cut)
    for k in range(0, len(out), 2):
        out[k] -= cut
    return out


def dated_lines(text: str, start: int, marks: Sequence[float]) -> list[tuple[Optional[float], str]]:
    """`text` (starting at offset `start` of an attempt's output) cut into lines (each ending with
    its newline, the last maybe without), each with the time of the last mark at or before its
    first character (None: no mark dates it)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    out: list[tuple[Optional[float], str]] = []
    n, k, at = len(marks), -2, start  # marks[k]: the offset of the mark dating the line at `at`
    for line in lines:
        while k + 2 < n and marks[k + 2] <= at:
            k += 2
        out.append((marks[k + 1] if k >= 0 else None, line))
        at += len(line)
    return out


def pack_times(marks: Marks) -> Optional[bytes]:
    """Marks as stored (8-byte floats; offsets are exact up to 2**53)."""
    if not marks:
        return None
    return marks.tobytes() if isinstance(marks, array) else array("d", marks).tobytes()


def unpack_times(data: Optional[bytes]) -> Marks:
    marks = array("d")
    if data:
        marks.frombytes(data)
    return marks


class LogBuffer:
    """Pending output per (run, action, attempt), each bounded to `limit` characters (the tail).
    Not thread-safe: a store calls it under its own lock.

    Positions are tracked for the runs this process records (between `run_started` and
    `run_finished`): their pieces can be applied twice without effect. Output that arrives for
    a run after it finished (a thread its body left behind) is appended."""

    __slots__ = ("limit", "live", "pending")

    def __init__(self, limit: int):
        self.limit = limit
        self.pending: dict[LogKey, Piece] = {}
        self.live: dict[str, dict[LogKey, int]] = {}  # run -> characters written so far per attempt

    def run_started(self, run: str) -> None:
        self.live[run] = {}

    def run_finished(self, run: str) -> None:
        self.live.pop(run, None)

    def write(self, key: LogKey, text: str, at: float, stamps: Stamps = None) -> Optional[tuple]:
        """`text` written at wall time `at`, or made of several writes (`stamps`, see `Piece`).
        Returns, for a run this process records, the write as a piece row of its own (run, action,
        attempt, offset, text, marks) that can be applied to the stored log before or after the
        pending piece, any number of times (what the store journals at once); else None."""
        written = self.live.get(key[0])
        piece = self.pending.get(key)
        if piece is None:
            piece = self.pending[key] = Piece(APPEND if written is None else written.get(key, 0))
        size, n = piece.size, len(piece.marks)
        if stamps:
            piece.add_stamped(text, stamps)
        else:
            piece.add(text, at)
        row = None
        if written is not None:
            offset = written.get(key, 0)
            written[key] = offset + len(text)
            marks: Sequence[float] = ()
            if len(piece.marks) > n:  # this write starts a line: its marks, relative to it
                marks = piece.marks[n:]
                for k in range(0, len(marks), 2):
                    marks[k] -= size
            row = (key[0], key[1], key[2], offset, text, marks)
        if piece.size > 2 * self.limit:  # only the tail can be stored: keep memory bounded too
            piece.cut(self.limit)
        return row

    def drain(self) -> list[tuple]:
        """Every pending piece as a row (run, action, attempt, offset, text, marks); the buffer empties."""
        rows = [(*key, piece.offset, piece.text(), piece.marks) for key, piece in self.pending.items()]
        self.pending.clear()  # the same dict: stores keep a reference to test "anything pending?"
        return rows

    def restore(self, rows: list[tuple]) -> None:
        """Put drained rows back in front of anything written since (their commit failed)."""
        for run, action, attempt, offset, text, marks in rows:
            key = (run, action, attempt)
            later = self.pending.get(key)
            piece = self.pending[key] = Piece(offset)
            piece.parts.append(text)
            piece.size = len(text)
            piece.marks = list(marks)
            if later is not None:
                piece.parts.extend(later.parts)
                piece.marks += [m + piece.size if i % 2 == 0 else m for i, m in enumerate(later.marks)]
                piece.size += later.size
                piece.mid_line = later.mid_line
            else:
                piece.mid_line = bool(text) and text[-1] != "\n"

    def forget_run(self, run: str) -> None:
        for key in [k for k in self.pending if k[0] == run]:
            del self.pending[key]
        if run in self.live:
            self.live[run] = {}


def merge(stored: Optional[tuple], offset: int, text: str, limit: int,
          marks: Sequence[float] = ()) -> tuple[str, int, Marks]:
    """The stored log (text, dropped, marks) of an attempt with a piece (see `Piece`; `marks`
    relative to its text) applied, cut to its last `limit` characters. `stored` may lack its
    marks (a log of a store older than them). The marks come back as an array of floats."""
    if stored is None:
        old_text, dropped, old_marks = "", 0, array("d")
    else:
        old_text, dropped = stored[0], stored[1]
        kept = stored[2] if len(stored) > 2 else ()
        old_marks = kept if isinstance(kept, array) else array("d", kept)
    total = dropped + len(old_text)
    if offset < 0:
        offset = total + (-1 - offset)
    new_marks: Marks
    if offset > total:  # what came between the stored text and this piece was dropped
        new_text, dropped, new_marks = text, offset, array("d", marks)
        for k in range(0, len(new_marks), 2):
            new_marks[k] += offset
    elif offset + len(text) <= total:  # applied already
        return old_text, dropped, old_marks
    else:
        new_text = old_text + text[total - offset:]
        new_marks = old_marks[:]
        # only what dates the new part: the rest was applied with it
        first = 2 * bisect_left(marks[0::2], total - offset)
        new_marks.extend([m + offset if k % 2 == 0 else m for k, m in enumerate(marks[first:])])
    if len(new_text) > limit:
        cut = len(new_text) - limit
        new_text = new_text[cut:]
        dropped += cut
        new_marks = trim_marks(new_marks, dropped)
    return new_text, dropped, new_marks


# -- output of earlier executions ------------------------------------------------------------------
#
# When a run resumes, each action that did not succeed runs again and its new attempts write new
# logs. What its earlier execution wrote (often the only clue to why the first try died) is moved
# aside, not dropped: to `earlier_logs`, numbered by execution (1: the action's first). Earlier
# executions of an action keep, all together, at most the limit of one attempt: the most recent
# output first, as an attempt keeps its tail; what they lose is counted in `dropped`.

EARLIER_LOGS_TABLE = """CREATE TABLE IF NOT EXISTS earlier_logs (
    run TEXT NOT NULL, action TEXT NOT NULL, execution INTEGER NOT NULL, attempt INTEGER NOT NULL,
    text TEXT NOT NULL, dropped INTEGER NOT NULL, times BLOB, phase TEXT, error_code TEXT, error TEXT, resumed REAL,
    PRIMARY KEY (run, action, execution, attempt)
) WITHOUT ROWID;"""
EARLIER_COLUMNS = ("run", "action", "execution", "attempt", "text", "dropped", "times", "phase", "error_code", "error",
                   "resumed")


def error_summary(error: Optional[str], limit: int = 300) -> Optional[str]:
    """The line of an error (a message or a traceback) that says what happened: its last."""
    lines = [line.strip() for line in (error or "").splitlines() if line.strip()]
    if not lines:
        return None
    return lines[-1] if len(lines[-1]) <= limit else lines[-1][: limit - 1] + "…"


def bound_earlier(logs: list[list], limit: int) -> None:
    """Cut the logs of an action's earlier executions, `[text, dropped, marks]` oldest first (in
    place), to at most `limit` characters together, dropping from the oldest."""
    over = sum(len(log[0]) for log in logs) - limit
    for log in logs:
        if over <= 0:
            return
        cut = min(over, len(log[0]))
        log[0] = log[0][cut:]
        log[1] += cut
        log[2] = trim_marks(log[2], log[1]) if log[2] else log[2]
        over -= cut


def keep_earlier(conn: sqlite3.Connection, run: str, ended: dict[str, tuple], limit: int, when: float) -> int:
    """Move the logs of `run`'s actions in `ended` (id -> how its stored record ended: phase,
    error code, error) to
    `earlier_logs`, as their next earlier execution, resumed at `when`. Caller holds a
    transaction. Returns how many logs moved."""
    if not ended:
        return 0
    moved = 0
    for action in sorted(ended):
        rows = conn.execute("SELECT attempt, text, dropped, times FROM logs WHERE run=? AND action=? ORDER BY attempt",
                            (run, action)).fetchall()
        if not rows:
            continue
        top = conn.execute("SELECT max(execution) FROM earlier_logs WHERE run=? AND action=?", (run, action)).fetchone()[0]
        execution = (top or 0) + 1
        kept = conn.execute("SELECT execution, attempt, text, dropped, times FROM earlier_logs WHERE run=? AND action=? "
                            "ORDER BY execution, attempt", (run, action)).fetchall()
        logs = [[t, d, unpack_times(m)] for _, _, t, d, m in kept] + [[t, d, unpack_times(m)] for _, t, d, m in rows]
        bound_earlier(logs, limit)
        for (ex, att, text, _, _), log in zip(kept, logs):
            if log[0] != text:
                conn.execute("UPDATE earlier_logs SET text=?, dropped=?, times=? WHERE run=? AND action=? AND execution=? "
                             "AND attempt=?", (log[0], log[1], pack_times(log[2]), run, action, ex, att))
        conn.executemany(
            f"INSERT OR REPLACE INTO earlier_logs ({', '.join(EARLIER_COLUMNS)}) VALUES ({', '.join('?' * len(EARLIER_COLUMNS))})",
            [(run, action, execution, att, log[0], log[1], pack_times(log[2]), ended[action][0], ended[action][1],
              error_summary(ended[action][2]), when)
             for (att, *_), log in zip(rows, logs[len(kept):])])
        conn.execute("DELETE FROM logs WHERE run=? AND action=?", (run, action))
        moved += len(rows)
    return moved
