"""How the CLI, the live view and the UI show phases, durations, counts and errors.

Every phase has a mark of its own (a running action never looks like an aborted one), errors are
shown with the user's part of the traceback (the runtime's own frames are left out unless asked
for), and names are printed whole.
"""

from __future__ import annotations

import datetime
import os
import sysconfig
from collections.abc import Iterable
from typing import Optional

from ._store import ActionCounts

# phase -> (mark, rich style)
MARKS = {
    "SUCCEEDED": ("✓", "green"),
    "FAILED": ("✕", "red"),
    "TIMED_OUT": ("⏱", "red"),
    "ABORTED": ("⊘", "yellow"),
    "RUNNING": ("▶", "cyan"),
    "QUEUED": ("…", "dim"),
}
CACHE_MARK = "$"


def mark(phase: str, markup: bool = True) -> str:
    symbol, style = MARKS.get(str(phase), ("?", "dim"))
    return f"[{style}]{symbol}[/{style}]" if markup else symbol


def phase_of(counts: ActionCounts) -> str:
    """The phase a group of actions shows: running while any runs, failed if any failed, ..."""
    for phase in ("RUNNING", "QUEUED", "FAILED", "TIMED_OUT", "ABORTED"):
        if counts.of(phase):
            return phase
    return "SUCCEEDED"


def counts_text(counts: ActionCounts, markup: bool = True) -> str:
    """"✓ 950  ▶ 40  ✕ 10" (phases with none are left out; cache hits as "$ 3")."""
    parts = []
    for phase in ("SUCCEEDED", "RUNNING", "QUEUED", "FAILED", "TIMED_OUT", "ABORTED"):
        n = counts.of(phase)
        if n:
            parts.append(f"{mark(phase, markup)} {n:,}")
    if counts.cache_hits:
        parts.append(f"{CACHE_MARK} {counts.cache_hits:,}")
    return "  ".join(parts)


def duration(start: Optional[float], end: Optional[float], now: Optional[float] = None) -> str:
    """"0.42s", "3m05s", "2h01m"; for an action still running, the time so far (given `now`)."""
    if not start:
        return ""
    stop = end if end else now
    if not stop:
        return ""
    seconds = max(0.0, stop - start)
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def when(ts: Optional[float]) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def line_time(t: Optional[float]) -> str:
    """A log line's time as the SDK's `--show-ts` shows it: `[ISO 8601, UTC]` (`[-]`: not recorded)."""
    if t is None:
        return "[-]"
    return f"[{datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None).isoformat()}]"


def iso(ts: Optional[float]) -> Optional[str]:
    """A timestamp for JSON output: ISO 8601 in UTC."""
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).isoformat() if ts else None


def error_line(error: Optional[str], code: Optional[str] = None, limit: Optional[int] = None) -> str:
    """The last line of a formatted traceback: "ValueError: bad input" (cut to `limit`)."""
    if not error:
        return code or ""
    lines = [ln for ln in error.strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else (code or "")
    return line if limit is None or len(line) <= limit else line[:limit - 1] + "…"


def _runtime_dirs() -> tuple[str, ...]:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the flyte package
    dirs = [here + os.sep]
    for key in ("stdlib", "platstdlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.append(os.path.abspath(path) + os.sep)
    return tuple(dirs)


_CHAINS = ("\nDuring handling of the above exception, another exception occurred:\n",
           "\nThe above exception was the direct cause of the following exception:\n")


def user_traceback(text: str, full: bool = False, hint: str = "; -v shows them") -> str:
    """`text` (a formatted traceback) without the frames of the runtime and the standard
    library, which say how the runtime called the user's code, not what went wrong (and without
    chained exceptions raised there). A traceback with no frame of the user's is kept whole."""
    if full or not text:
        return text
    hidden = _runtime_dirs()
    sections = _split_chain(text)
    out: list[str] = []
    dropped = 0
    for joint, section in sections:
        lines, kept, gone = _filter_frames(section, hidden)
        if gone and not kept and len(sections) > 1:  # an exception of the runtime's own making
            dropped += gone
            continue
        dropped += gone
        if out and joint:
            out.append(joint.strip("\n"))
            out.append("")
        out.extend(lines)
    if not out or not any(ln.startswith('  File "') for ln in out):
        return text
    if dropped:
        out.append(f"({dropped} frame{'s' if dropped > 1 else ''} of the flyte runtime and the standard library hidden{hint})")
    return "\n".join(out)


def _split_chain(text: str) -> list[tuple[str, str]]:
    """[(the sentence that joined it to the previous one, section)] of a chained traceback."""
    sections: list[tuple[str, str]] = []
    joint = ""
    rest = text
    while True:
        cuts = [(rest.find(c), c) for c in _CHAINS if c in rest]
        if not cuts:
            sections.append((joint, rest.strip("\n")))
            return sections
        at, chain = min(cuts)
        sections.append((joint, rest[:at].strip("\n")))
        joint, rest = chain, rest[at + len(chain):]


def _filter_frames(section: str, hidden: tuple[str, ...]) -> tuple[list[str], int, int]:
    out: list[str] = []
    skipping = False
    kept = dropped = 0
    for line in section.splitlines():
        stripped = line.lstrip()
        if stripped.startswith('File "') and line.startswith("  File"):
            path = stripped[len('File "'):].split('"', 1)[0]
            skipping = os.path.abspath(path).startswith(hidden)
            if skipping:
                dropped += 1
                continue
            kept += 1
        elif skipping and line.startswith("    "):
            continue  # the source line (and carets) of a hidden frame
        else:
            skipping = False
        out.append(line)
    return out, kept, dropped


def fold(names: Iterable[str]) -> int:
    """The width the longest of `names` needs (so a table never cuts one)."""
    return max((len(n) for n in names), default=0)
