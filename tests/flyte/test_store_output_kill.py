"""Output written just before a kill -9 is kept, for real.

An action's output is committed to SQLite by the store's writer every moment or so; what it wrote
since is in the journal, one record per write, as soon as the write returns (and before the
terminal shows it). These tests kill the process right after a line was written (no commit can
have happened) and read the action's log after the next open, which replays the journal. A
damaged last record of the journal is dropped with a warning, the records before it kept; a store
in a read-only directory still reads, and says that the dead process's journal was not applied.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.flyte.bind_mount import read_only_bind_mount

PROGRAM = textwrap.dedent(
    """
    import os, signal, sys
    import flyte

    env = flyte.TaskEnvironment("dying")


    @env.task
    async def last_words(n: int) -> int:
        for i in range(n):
            print(f"line {i}")
        print(os.environ["MARKER"], flush=True)
        if os.environ.get("SELF_KILL"):  # killed before the store's writer can commit anything more
            os.kill(os.getpid(), signal.SIGKILL)
        sys.stdin.readline()  # waits for the kill: the test never writes here
        return n


    @env.task
    async def main(n: int) -> int:
        return await last_words(n)
    """
)

MARKER = "MARKER-the-reason-it-died"


def _flyte(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLYTE_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "flyte._cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def _start(tmp_path: Path, lines: int, self_kill: bool) -> tuple[Path, subprocess.Popen]:
    prog = tmp_path / "dying.py"
    prog.write_text(PROGRAM)
    home = tmp_path / "home"
    env = {**os.environ, "FLYTE_HOME": str(home), "MARKER": MARKER, "SELF_KILL": "1" if self_kill else ""}
    proc = subprocess.Popen([sys.executable, "-m", "flyte._cli", "run", "--name", "r1", str(prog), "main",
                             "--n", str(lines)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return home, proc


def _killed_after_marker(tmp_path: Path, lines: int = 200) -> Path:
    """Run the program; as soon as its marker reaches the terminal (the pipe is the barrier: the
    store has the line before it is echoed), kill -9 it."""
    home, proc = _start(tmp_path, lines, self_kill=False)
    assert proc.stdout is not None
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if MARKER in line:
                break
    finally:
        proc.send_signal(signal.SIGKILL)  # a no-op if it has ended already
        _, err = proc.communicate()
    assert MARKER in "".join(seen), f"the run ended ({proc.returncode}) without its marker: {''.join(seen)}\n{err}"
    assert proc.returncode == -signal.SIGKILL
    return home


def _self_killed(tmp_path: Path, lines: int = 3) -> Path:
    home, proc = _start(tmp_path, lines, self_kill=True)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, out + err
    assert MARKER in out
    return home


def _logs(home: Path, *extra: str) -> subprocess.CompletedProcess:
    got = _flyte(home, "get", "logs", "r1", "last_words", *extra)
    assert got.returncode == 0, got.stdout + got.stderr
    return got


def test_the_last_line_before_a_kill_9_is_in_the_log_after_the_next_open(tmp_path):
    home = _killed_after_marker(tmp_path)
    text = _logs(home).stdout
    assert text.splitlines() == [f"line {i}" for i in range(200)] + [MARKER], text
    # the action is failed as killed, and reading again shows the same log (replayed exactly once)
    tree = _flyte(home, "get", "actions", "r1").stdout
    assert "last_words" in tree and "terminated before it finished" in tree, tree
    assert _logs(home).stdout == text


def test_a_process_that_kills_itself_right_after_printing_keeps_the_line(tmp_path):
    home = _self_killed(tmp_path)
    assert _logs(home).stdout.splitlines() == ["line 0", "line 1", "line 2", MARKER]
    # with times too: every line dated (the marks were journaled with the text)
    stamped = _logs(home, "--show-ts").stdout.splitlines()
    assert len(stamped) == 4 and all(line.endswith(text) and line != text for line, text in
                                     zip(stamped, ["line 0", "line 1", "line 2", MARKER])), stamped


def _segment_records(segment: Path) -> list[tuple[int, int]]:
    """(offset, payload length) of each record of a journal segment (header: length, crc32)."""
    data = segment.read_bytes()
    out, pos = [], 0
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "little")
        if not length:
            break
        out.append((pos, length))
        pos += 8 + length
    return out


def _marker_record(home: Path) -> tuple[Path, int, int]:
    """The journal record of the marker's text: the last write but its newline."""
    segments = sorted((home / "journal").glob("*.journal"))
    assert segments, "the killed process left no journal"
    segment = segments[-1]
    data = segment.read_bytes()
    found = [(pos, n) for pos, n in _segment_records(segment) if MARKER.encode() in data[pos + 8:pos + 8 + n]]
    assert len(found) == 1, f"{segment} has {len(found)} records of the marker"
    return (segment, *found[0])


def test_a_torn_last_record_is_dropped_with_a_warning_and_the_earlier_lines_kept(tmp_path):
    home = _self_killed(tmp_path)
    segment, pos, length = _marker_record(home)
    with open(segment, "r+b") as f:  # half of it never reached the file
        f.seek(pos + 8 + length // 2)
        f.write(bytes(length - length // 2))
    got = _logs(home)
    assert got.stdout.splitlines() == ["line 0", "line 1", "line 2"], got.stdout
    assert f"Journal segment {segment}" in got.stderr and "does not match its checksum" in got.stderr, got.stderr
    assert "are kept" in got.stderr
    # applied once: the segment is gone, and reading again says nothing more
    assert not segment.exists()
    again = _logs(home)
    assert again.stdout == got.stdout and "Journal segment" not in again.stderr


def test_a_record_longer_than_its_segment_is_dropped_with_a_warning(tmp_path):
    home = _self_killed(tmp_path)
    segment, pos, _ = _marker_record(home)
    with open(segment, "r+b") as f:
        f.seek(pos)
        f.write((segment.stat().st_size).to_bytes(4, "little"))
    got = _logs(home)
    assert got.stdout.splitlines() == ["line 0", "line 1", "line 2"], got.stdout
    assert "past the end of the file" in got.stderr, got.stderr


def test_a_read_only_store_reads_and_says_the_journal_was_not_applied(tmp_path):
    home = _self_killed(tmp_path)
    with read_only_bind_mount(home, tmp_path / "ro-view") as view:
        # the run was killed before any commit: it is all in the journal, which cannot be applied
        # here; the reader says so, and what it cannot see is named, not made up
        got = _flyte(view, "get", "logs", "r1", "last_words")
        assert "read-only" in got.stderr and "journals of processes that died" in got.stderr, got.stderr
        assert MARKER not in got.stdout and "No run named 'r1'" in got.stderr, got.stdout + got.stderr
        assert list((home / "journal").glob("*.journal")), "a read-only reader removed the journal"
    # once writable again, the next open applies it
    assert _logs(home).stdout.splitlines()[-1] == MARKER


def test_store_recover_applies_the_journaled_output_once(tmp_path):
    home = _self_killed(tmp_path)
    rec = _flyte(home, "store", "recover", "--force")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert _logs(home).stdout.splitlines() == ["line 0", "line 1", "line 2", MARKER]
    assert _logs(home).stdout.count(MARKER) == 1
