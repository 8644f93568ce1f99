"""What actions wrote (stdout, stderr, logging), kept per attempt with a bound: the store keeps
the tail of each attempt's output and counts what it dropped, so a chatty task cannot fill the disk.

Both stores use the same rules:

- Text arrives in pieces (`MetadataStore.log_written`), in the order it was written, and waits
  in a `LogBuffer` until the store commits it. Pending text is bounded too: past the limit its
  oldest part is dropped before it is ever stored.
- Every piece carries the offset of its first character in the attempt's whole output (the
  characters written before it, stored or dropped), so applying a piece twice (a journal replayed
  after a crash that happened between a commit and the journal's removal) changes nothing.
- A stored log is `(text, dropped)`: `dropped + len(text)` characters were written, of which the
  last `len(text)` (at most the limit) are kept.
"""

from __future__ import annotations

import os
from typing import Optional

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


LogKey = tuple  # (run, action, attempt)
APPEND = -1  # a piece whose position is not known: it goes after whatever is stored


class Piece:
    """Text of one attempt not yet committed. `offset` >= 0: where `text` starts in the
    attempt's output; `offset` = -1-k: after whatever is stored, once k characters dropped here."""

    __slots__ = ("offset", "parts", "size")

    def __init__(self, offset: int):
        self.offset = offset
        self.parts: list[str] = []
        self.size = 0

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


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

    def write(self, key: LogKey, text: str) -> None:
        written = self.live.get(key[0])
        piece = self.pending.get(key)
        if piece is None:
            piece = self.pending[key] = Piece(APPEND if written is None else written.get(key, 0))
        if written is not None:
            written[key] = written.get(key, 0) + len(text)
        piece.parts.append(text)
        piece.size += len(text)
        if piece.size > 2 * self.limit:  # only the tail can be stored: keep memory bounded too
            whole = piece.text()
            cut = len(whole) - self.limit
            piece.parts = [whole[cut:]]
            piece.size = self.limit
            piece.offset = piece.offset + cut if piece.offset >= 0 else piece.offset - cut

    def take(self, key: LogKey) -> Optional[tuple]:
        """The pending text of `key` as a row (run, action, attempt, offset, text), or None; it
        stays pending (the next commit stores it)."""
        piece = self.pending.get(key)
        return None if piece is None else (*key, piece.offset, piece.text())

    def drain(self) -> list[tuple]:
        """Every pending piece as a row (run, action, attempt, offset, text); the buffer empties."""
        rows = [(*key, piece.offset, piece.text()) for key, piece in self.pending.items()]
        self.pending.clear()  # the same dict: stores keep a reference to test "anything pending?"
        return rows

    def restore(self, rows: list[tuple]) -> None:
        """Put drained rows back in front of anything written since (their commit failed)."""
        for run, action, attempt, offset, text in rows:
            key = (run, action, attempt)
            later = self.pending.get(key)
            piece = self.pending[key] = Piece(offset)
            piece.parts.append(text)
            piece.size = len(text)
            if later is not None:
                piece.parts.extend(later.parts)
                piece.size += later.size

    def forget_run(self, run: str) -> None:
        for key in [k for k in self.pending if k[0] == run]:
            del self.pending[key]
        if run in self.live:
            self.live[run] = {}


def merge(stored: Optional[tuple[str, int]], offset: int, text: str, limit: int) -> tuple[str, int]:
    """The stored log (text, dropped) of an attempt with a piece (see `Piece`) applied, cut to
    its last `limit` characters."""
    old_text, dropped = stored if stored is not None else ("", 0)
    total = dropped + len(old_text)
    if offset < 0:
        offset = total + (-1 - offset)
    if offset > total:  # what came between the stored text and this piece was dropped
        new_text, dropped = text, offset
    elif offset + len(text) <= total:  # applied already
        return old_text, dropped
    else:
        new_text = old_text + text[total - offset:]
    if len(new_text) > limit:
        cut = len(new_text) - limit
        new_text = new_text[cut:]
        dropped += cut
    return new_text, dropped
