"""The metadata store: batching, the crash journal, blob offload and schema checks."""

import sqlite3

import pytest

import flyte
from flyte._serde import Codec
from flyte._store import INLINE_LIMIT, ActionRecord, SQLiteStore
from flyte._store._journal import read_records

env = flyte.TaskEnvironment("store")


def _row(run: str, i: int, phase: str = "SUCCEEDED", outputs: bytes = b"\x01") -> ActionRecord:
    return ActionRecord(run, f"id{i}", "a0", "t", "t", None, "task", phase, 1, 1.0, 2.0, b"\x80", outputs, None, None, None)


def test_finished_actions_are_journaled_before_the_batch_commit(tmp_path):
    store = SQLiteStore(tmp_path, flush_interval=3600)  # no background flush during the test
    try:
        store.action_finished(_row("r", 1))
        store.action_finished(_row("r", 2))
        segment = store._segment.path
        kinds = [k for k, _ in read_records(segment)]
        assert kinds == ["A", "A"]
        # not yet in SQLite ...
        raw = sqlite3.connect(store.path).execute("SELECT count(*) FROM actions").fetchone()[0]
        assert raw == 0
        store.flush()
        raw = sqlite3.connect(store.path).execute("SELECT count(*) FROM actions").fetchone()[0]
        assert raw == 2
        # a committed batch empties its journal segment (kept, zeroed, for reuse)
        assert not segment.exists() or list(read_records(segment)) == []
    finally:
        store.close()


def test_torn_journal_tail_is_ignored(tmp_path):
    store = SQLiteStore(tmp_path, flush_interval=3600)
    store.action_finished(_row("r", 1))
    path = store._segment.path
    with open(path, "ab") as f:
        f.write(b"\xff\x00\x00\x00partial")  # a write cut short by a crash
    assert [row[1] for _, row in read_records(path)] == ["id1"]
    store.close()


def test_started_rows_are_replaced_by_finished_rows(tmp_path):
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        store.action_started(_row("r", 1, phase="RUNNING", outputs=None))
        store.flush()
        assert store.get_action("r", "id1").phase == "RUNNING"
        store.action_finished(_row("r", 1))
        assert store.get_action("r", "id1").phase == "SUCCEEDED"
    finally:
        store.close()


def test_large_values_go_to_the_blob_store(tmp_path):
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        codec = Codec(blob_loader=store.load_blob)
        big = codec.pack(list(range(INLINE_LIMIT)))
        store.action_finished(_row("r", 1, outputs=big))
        stored = store.get_action("r", "id1").outputs
        assert len(stored) < 200  # a reference, not the value
        assert codec.unpack(stored) == list(range(INLINE_LIMIT))
        assert any((tmp_path / "blobs").rglob("*"))
    finally:
        store.close()


@env.task
async def big_output(n: int) -> list[int]:
    return list(range(n))


@env.task
async def big_parent(n: int) -> int:
    return len(await big_output(n))


def test_large_outputs_round_trip_through_a_run(flyte_home):
    run = flyte.run(big_parent, 200_000)
    assert run.outputs()[0] == 200_000
    child = next(a for a in run.actions() if a["task"] == "store.big_output")
    assert len(child["outputs"]) < 200


def test_newer_schema_is_refused_with_a_clear_error(tmp_path):
    store = SQLiteStore(tmp_path)
    store.close()
    conn = sqlite3.connect(tmp_path / "metadata.db")
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        SQLiteStore(tmp_path)


def test_wal_mode(tmp_path):
    store = SQLiteStore(tmp_path)
    try:
        mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        store.close()


def test_codec_round_trips_python_values():
    import dataclasses
    import datetime
    import enum

    class Color(enum.Enum):
        RED = "red"

    @dataclasses.dataclass
    class Point:
        x: int
        tags: tuple

    codec = Codec()
    values = [
        None, True, 3, 2.5, "s", b"b", [1, (2, 3)], {"k": {1, 2}}, (1, "a"), {(1, 2): "tuple key"},
        datetime.datetime(2024, 1, 2, 3, 4, 5), Color.RED, Point(1, ("a",)),
    ]
    for v in values:
        out = codec.unpack(codec.pack(v))
        assert out == v and type(out) is type(v)


def test_codec_packs_from_many_threads_at_once_and_after_a_failed_pack():
    """The codec reuses its packers: threads packing at the same time (map items, sync bodies),
    and the nested packs of tuples inside a value, never share one; a value that cannot be packed
    leaves nothing behind in the next one."""
    import pickle
    import threading

    codec = Codec()
    barrier = threading.Barrier(8)
    failures: list = []

    def work(t: int) -> None:
        barrier.wait()
        for i in range(300):
            value = {"t": t, "i": i, "nested": ((t, i), [(i,)]), "s": "x" * (i % 40)}
            out = codec.unpack(codec.pack(value))
            if out != value:
                failures.append((value, out))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures
    with pytest.raises(TypeError, match="cannot be serialized"):
        codec.pack({"a": 1, "lock": threading.Lock()})
    assert codec.unpack(codec.pack([1, (2,)])) == [1, (2,)]
    again = pickle.loads(pickle.dumps(codec))  # a codec crosses processes without its packers
    assert again.unpack(again.pack((1, "a"))) == (1, "a")


def test_quick_check_runs_only_when_the_file_changed_since_a_clean_close(tmp_path, monkeypatch):
    checks = []
    original = SQLiteStore._quick_check
    monkeypatch.setattr(SQLiteStore, "_quick_check", lambda self: (checks.append(self.path), original(self))[1])
    SQLiteStore(tmp_path).close()  # a new store: nothing to check
    store = SQLiteStore(tmp_path)
    store.action_finished(_row("r", 1))
    store.close()
    SQLiteStore(tmp_path).close()
    assert checks == []
    conn = sqlite3.connect(tmp_path / "metadata.db")  # someone else writes the file
    conn.execute("INSERT INTO meta VALUES ('x', 'y')")
    conn.commit()
    conn.close()
    SQLiteStore(tmp_path).close()
    assert checks == [tmp_path / "metadata.db"]


def test_newest_runs_are_read_through_an_index_even_in_an_existing_store(tmp_path):
    """The runs page and `flyte get runs` read a page of runs, not the whole table sorted."""
    store = SQLiteStore(tmp_path)
    store.close()
    db = sqlite3.connect(tmp_path / "metadata.db")
    db.execute("DROP INDEX runs_by_start")  # a store written before the index existed
    db.commit()
    db.close()
    store = SQLiteStore(tmp_path)
    try:
        plan = store._conn.execute("EXPLAIN QUERY PLAN SELECT name FROM runs WHERE phase IN ('FAILED') "
                                   "ORDER BY start_time DESC LIMIT 101").fetchall()
    finally:
        store.close()
    assert any("USING INDEX runs_by_start" in str(step) for step in plan), plan


FANNED: list[int] = []


@env.task
async def fan_child(x: int) -> int:
    FANNED.append(x)
    if x >= 20 and not FANNED_OK:
        raise ValueError("fails the first time")
    return x * 2


FANNED_OK: list[bool] = []


@env.task
async def fan_out(n: int) -> int:
    import asyncio

    results = await asyncio.gather(*[fan_child(i) for i in range(n)], return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    return sum(results)


def test_children_that_finish_between_commits_are_stored_packed_and_read_back_as_rows(flyte_home):
    """A fan-out's finished children are stored as packed batches (one insert per batch), yet
    every read, a resume, and the aggregates see each child as if it were a table row."""
    from flyte._store import open_store

    FANNED.clear()
    FANNED_OK.clear()
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="packed").run(fan_out, 40)
    store = open_store()
    store.flush()
    db = sqlite3.connect(store.path)
    table = db.execute("SELECT count(*) FROM actions WHERE run='packed'").fetchone()[0]
    packed = db.execute("SELECT count(*) FROM action_batches WHERE run='packed'").fetchone()[0]
    assert packed >= 1 and table < 41  # not one table row per child
    children = [a for a in store.list_actions("packed").actions if a.parent == "a0"]
    assert sorted(a.phase for a in children).count("SUCCEEDED") == 20 and len(children) == 40
    failed = store.list_actions("packed", phases=["FAILED"]).actions
    assert sorted(a.id for a in failed if a.parent == "a0") == sorted(c.id for c in children if c.phase == "FAILED")
    assert [a.id for a in failed if a.parent is None] == ["a0"]
    one = children[5]
    assert store.get_action("packed", one.id) == one
    counts = store.run_counts(["packed"])["packed"]
    assert counts.succeeded == 20 and counts.failed == 21  # the children and the root
    # resumed: the 20 succeeded children are replayed; the failed ones run again, and their new
    # records (packed again: 20 siblings) replace the old ones
    before = db.execute("SELECT count(*) FROM action_batches WHERE run='packed'").fetchone()[0]
    FANNED.clear()
    FANNED_OK.append(True)
    run = flyte.with_runcontext(name="packed").run(fan_out, 40)
    assert run.outputs()[0] == sum(range(40)) * 2 and sorted(FANNED) == list(range(20, 40))
    store.flush()
    assert db.execute("SELECT count(*) FROM action_batches WHERE run='packed'").fetchone()[0] > before
    children = [a for a in store.list_actions("packed").actions if a.parent == "a0"]
    assert len(children) == 40 and {a.phase for a in children} == {"SUCCEEDED"}
    counts = store.run_counts(["packed"])["packed"]
    assert counts.succeeded == 41 and counts.failed == 0
    db.close()


def test_a_batch_stored_from_journal_records_decodes_to_its_rows(tmp_path):
    """A commit stores finished siblings packed from the encodings the journal made of them;
    what is stored is each row as recorded, and a row started again after it finished (so its
    journal record is stale) is stored as its newest record."""
    import msgpack

    from flyte._store._sqlite import PACK_MIN, _array_header

    for n in (0, 1, 15, 16, 1024, 65535, 65536):
        assert msgpack.packb([None] * n)[: len(_array_header(n))] == _array_header(n)
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        rows = [_row("r", i)._replace(start_time=1.0 + i, outputs=bytes([i])) for i in range(PACK_MIN + 4)]
        for r in rows:
            store.action_finished(r)
        store.action_started(rows[3]._replace(phase="RUNNING", outputs=None))  # a retry's new start
        store.flush()
        db = sqlite3.connect(store.path)
        stored = [tuple(r) for (blob,) in db.execute("SELECT rows FROM action_batches WHERE run='r'")
                  for r in msgpack.unpackb(blob, raw=False)]
        db.close()
        assert sorted(stored) == sorted(tuple(r) for i, r in enumerate(rows) if i != 3)
        assert store.get_action("r", "id3").phase == "RUNNING"
        assert [store.get_action("r", f"id{i}") for i in (0, 7)] == [rows[0], rows[7]]
    finally:
        store.close()


def test_running_children_started_while_commits_run_are_all_committed(tmp_path):
    """A child's start row is buffered without the store's lock; a commit running at the same
    time takes what is there and leaves what comes after for the next one: none is lost."""
    import sys
    import threading

    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        store.action_started(_row("r", 0, phase="RUNNING", outputs=None)._replace(id="a0", parent=None))
        per_thread, threads, barrier = 300, 3, threading.Barrier(4)

        def starter(t: int) -> None:
            barrier.wait()
            for i in range(per_thread):
                store.action_started(_row("r", t * 1000 + i, phase="RUNNING", outputs=None))

        workers = [threading.Thread(target=starter, args=(t,)) for t in range(threads)]
        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter will
        try:
            for w in workers:
                w.start()
            barrier.wait()
            while any(w.is_alive() for w in workers):
                store.flush()
            for w in workers:
                w.join()
        finally:
            sys.setswitchinterval(old)
        store.flush()
        running = [a for a in store.list_actions("r").actions if a.parent == "a0"]
        assert len(running) == threads * per_thread and {a.phase for a in running} == {"RUNNING"}
        store.action_finished(_row("r", 1001))  # a committed running row is replaced by its end
        store.flush()
        assert store.get_action("r", "id1001").phase == "SUCCEEDED"
        assert store.run_counts(["r"])["r"].running == threads * per_thread  # the root and 899 children
    finally:
        store.close()


def _records(data: bytes) -> list[bytes]:
    """The payloads of a segment's complete records, in order (header: length, crc32)."""
    import struct

    out, pos = [], 0
    while pos + 8 <= len(data):
        length, _ = struct.unpack_from("<II", data, pos)
        if length == 0:
            break
        out.append(data[pos + 8 : pos + 8 + length])
        pos += 8 + length
    return out


def test_the_hot_path_journals_finished_actions_as_the_journal_segment_appends(tmp_path):
    # SQLiteStore.action_finished writes its journal record itself (a copy of
    # JournalSegment.append, for speed): its bytes, and where it moves to a new segment, must be
    # exactly what JournalSegment.append writes, which replay reads.
    from flyte._store._journal import JournalSegment

    store = SQLiteStore(tmp_path / "store", flush_interval=3600)  # nothing committed: every segment kept
    try:
        from flyte._store._records import J_ACTION

        def sized(i: int, payload: int) -> ActionRecord:  # a row whose journal record is `payload` bytes
            fixed = len(store._packer.pack((J_ACTION, tuple(_row("r", i, outputs=b"x" * 1000))))) - 1000
            return _row("r", i, outputs=bytes([i % 251]) * (payload - fixed))

        i = 0
        for edge in (16, 15, 16, 15):  # fits exactly (header, record, the next header's 8 zero bytes); one byte over
            while True:  # ~1.2 KiB records, until the segment has 2 to 30 KiB left
                store.action_finished(_row("r", i, outputs=bytes([i % 251]) * (900 + i % 300)))
                i += 1
                seg = store._segment
                if 2048 < seg.size - seg.offset < 30000:
                    break
            store.action_finished(sized(i, seg.size - seg.offset - edge))
            i += 1
            assert (store._segment is seg) == (edge == 16)
        store.action_finished(_row("r", i))
        segments = [*store._full_segments, store._segment]
        assert len(segments) >= 3
        payloads = [p for seg in segments for p in _records(bytes(seg.map))]
        assert [row[1] for _, row in read_records(store._segment.path)][-1] == f"id{i}"
        # the same records through JournalSegment.append, into segments of the same sizes
        (tmp_path / "ref").mkdir()
        ref = [JournalSegment(tmp_path / "ref", "ref", 1, segments[0].size)]
        for payload in payloads:
            if not ref[-1].append(payload):
                ref.append(JournalSegment(tmp_path / "ref", "ref", len(ref) + 1, segments[len(ref)].size))
                assert ref[-1].append(payload)
        assert len(ref) == len(segments)
        for mine, theirs in zip(segments, ref):
            assert (mine.offset, bytes(mine.map)) == (theirs.offset, bytes(theirs.map))
        for seg in ref:
            seg.close_and_remove()
    finally:
        store.close()
