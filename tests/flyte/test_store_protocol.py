"""The `MetadataStore` read API, on both implementations: runs with filters, a run's actions a
page at a time (from the table and from packed batches alike), one action with its attempts."""

import random
import sqlite3

import msgpack
import pytest

from flyte._store import (
    ActionCounts,
    ActionRecord,
    AttemptRecord,
    MemoryStore,
    MetadataStore,
    Phase,
    RunRecord,
    SQLiteStore,
)
from flyte._store._sqlite import SCHEMA_VERSION


@pytest.fixture(params=["sqlite", "memory"])
def store(request, tmp_path):
    s = SQLiteStore(tmp_path, flush_interval=3600) if request.param == "sqlite" else MemoryStore(tmp_path)
    yield s
    s.close()


def _action(run: str, i: int, start: float, parent: str = "a0", phase: str = "SUCCEEDED") -> ActionRecord:
    return ActionRecord(run, f"id{i:06d}", parent, "t", "t", None, "task", phase, 1, start, start + 1, b"\x80", b"\x01",
                        None if phase == "SUCCEEDED" else "E", None if phase == "SUCCEEDED" else "Traceback ...", None)


def _run(name: str, start: float, phase: str = "SUCCEEDED", task: str = "m.t") -> RunRecord:
    return RunRecord(name, task, phase, start, start + 1, b"\x80", None, None, None, "me", None, None, None)


def test_both_implement_the_protocol(store):
    assert isinstance(store, MetadataStore)


def _mixed_run(store, n: int = 700) -> list[ActionRecord]:
    """Actions recorded one by one and in batches (two maps overlapping in time), in random order."""
    rng = random.Random(7)
    records = [_action("r", i, 1000.0 + i * 0.5 + rng.random() * 0.01, parent=("a0" if i % 3 else "p"),
                       phase=("FAILED" if i % 50 == 0 else "SUCCEEDED")) for i in range(n)]
    singles, batched = records[: n // 3], records[n // 3:]
    for r in rng.sample(singles, len(singles)):
        store.action_finished(r)
    evens, odds = batched[0::2], batched[1::2]  # two batches streams whose times interleave
    for stream in (evens, odds):
        for k in range(0, len(stream), 64):
            store.actions_finished(stream[k:k + 64])
    return sorted(records, key=lambda r: (r.start_time, r.id))


def test_pages_of_a_run_are_its_actions_in_start_order(store):
    expected = _mixed_run(store)
    seen, token = [], None
    while True:
        page = store.list_actions("r", after=token, limit=100)
        assert len(page.actions) <= 100
        seen.extend(page.actions)
        token = page.next_token
        if token is None:
            break
    assert seen == expected
    assert store.list_actions("r").actions == expected  # limit=None: all at once
    assert all(a.phase in (Phase.SUCCEEDED, Phase.FAILED) for a in seen)


def test_pages_filter_by_parent_and_phase(store):
    expected = _mixed_run(store)
    failed = store.list_actions("r", phases=[Phase.FAILED], limit=5)
    assert failed.actions == [a for a in expected if a.phase == "FAILED"][:5]
    assert all(a.error == "Traceback ..." for a in failed.actions)
    rest = store.list_actions("r", phases=["FAILED"], after=failed.next_token).actions
    assert failed.actions + rest == [a for a in expected if a.phase == "FAILED"]
    children = store.list_actions("r", parent="p").actions
    assert children == [a for a in expected if a.parent == "p"]


def test_a_bad_page_token_is_refused_clearly(store):
    with pytest.raises(ValueError, match="not a page token"):
        store.list_actions("r", after="garbage")


def test_one_action_with_its_attempts(store):
    expected = _mixed_run(store)
    batched = expected[-1]
    assert store.get_action("r", batched.id) == batched
    assert store.get_action("r", "nope") is None
    store.attempt_failed(AttemptRecord("r", batched.id, 1, 1.0, 2.0, "E", "Traceback 1"))
    store.attempt_failed(AttemptRecord("r", batched.id, 2, 3.0, 4.0, "E", "Traceback 2"))
    assert [a.error for a in store.list_attempts("r", batched.id)] == ["Traceback 1", "Traceback 2"]


def test_runs_are_listed_newest_first_with_filters(store):
    for i, (phase, task) in enumerate([("SUCCEEDED", "m.a"), ("FAILED", "m.a"), ("FAILED", "m.b"), ("RUNNING", "m.b")]):
        store.run_started(_run(f"run{i}", 100.0 + i, phase, task))
    assert [r.name for r in store.list_runs()] == ["run3", "run2", "run1", "run0"]
    assert [r.name for r in store.list_runs(2)] == ["run3", "run2"]
    assert [r.name for r in store.list_runs(phases=[Phase.FAILED])] == ["run2", "run1"]
    assert [r.name for r in store.list_runs(task="m.a")] == ["run1", "run0"]
    assert [r.name for r in store.list_runs(since=101.0, before=103.0)] == ["run2", "run1"]
    assert store.get_run("run1").phase is Phase.FAILED


def test_a_resumed_run_keeps_every_record_and_each_new_one_replaces_the_old(store):
    """Whether the old record was stored alone or packed, and whether the new one is: one
    record per action id, nothing deleted in between, and the counts follow."""
    expected = _mixed_run(store, 200)
    keep = {a.id for a in expected[::4] if a.phase == "SUCCEEDED"}  # what a resumed run replays
    store.prepare_resume("r", keep)
    assert store.list_actions("r").actions == expected  # nothing is deleted before the rerun
    again = [a._replace(start_time=a.start_time + 5000, end_time=a.start_time + 5001, phase="SUCCEEDED",
                        error_code=None, error=None) for a in expected if a.id not in keep]
    for a in again[0::2]:  # one by one: started, then finished
        store.action_started(a._replace(phase="RUNNING", end_time=None, outputs=None))
        assert store.run_counts(["r"])["r"].running == 1
        store.action_finished(a)
    for k in range(0, len(again[1::2]), 16):  # packed
        store.actions_finished(again[1::2][k:k + 16])
    want = sorted([a for a in expected if a.id in keep] + again, key=lambda a: (a.start_time, a.id))
    assert store.list_actions("r").actions == want
    assert store.run_counts(["r"])["r"] == ActionCounts(succeeded=len(want))
    assert sum(g.counts.succeeded for g in store.action_groups("r")) == len(want)


def test_the_first_page_of_a_huge_run_opens_few_batches(tmp_path, monkeypatch):
    """100,000 map items in batches of 64: the first page reads a couple of batches, not 1,563."""
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        batch = []
        for i in range(100_000):
            batch.append(_action("big", i, 10.0 + i * 1e-3))
            if len(batch) == 64:
                store.actions_finished(batch)
                batch = []
        store.actions_finished(batch)
        store.flush()
        import flyte._store._sqlite as sqlite_module

        opened = []
        real = msgpack.unpackb

        def counting(data, **kw):
            opened.append(len(data))
            return real(data, **kw)

        monkeypatch.setattr(sqlite_module.msgpack, "unpackb", counting)
        page = store.list_actions("big", limit=100)
        assert [a.id for a in page.actions] == [f"id{i:06d}" for i in range(100)]
        assert len(opened) <= 3
        opened.clear()
        later = store.list_actions("big", after="60.0/", limit=10)
        assert [a.id for a in later.actions] == [f"id{i:06d}" for i in range(50_000, 50_010)]
        assert len(opened) <= 3
    finally:
        store.close()


V2_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE runs (name TEXT PRIMARY KEY, task TEXT, phase TEXT, start_time REAL, end_time REAL, inputs BLOB,
    outputs BLOB, error_code TEXT, error TEXT, owner TEXT, task_module TEXT, task_file TEXT, context BLOB);
CREATE TABLE actions (run TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, task TEXT, short_name TEXT, group_name TEXT,
    kind TEXT, phase TEXT, attempts INTEGER, start_time REAL, end_time REAL, inputs BLOB, outputs BLOB,
    error_code TEXT, error TEXT, cache_status TEXT, PRIMARY KEY (run, id)) WITHOUT ROWID;
CREATE TABLE attempts (run TEXT NOT NULL, action TEXT NOT NULL, attempt INTEGER NOT NULL, start_time REAL,
    end_time REAL, error_code TEXT, error TEXT, PRIMARY KEY (run, action, attempt)) WITHOUT ROWID;
CREATE TABLE cache (key TEXT PRIMARY KEY, task TEXT, version TEXT, outputs BLOB, created REAL);
CREATE TABLE action_batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, rows BLOB NOT NULL);
CREATE INDEX action_batches_by_run ON action_batches (run);
INSERT INTO meta VALUES ('schema_version', '2');
"""


def test_a_version_2_store_is_upgraded_in_place(tmp_path):
    conn = sqlite3.connect(tmp_path / "metadata.db")
    conn.executescript(V2_SCHEMA)
    single, packed = _action("old", 1, 5.0), [_action("old", 2, 3.0), _action("old", 3, 4.0)]
    conn.execute(f"INSERT INTO actions VALUES ({', '.join('?' * 16)})", single)
    conn.execute("INSERT INTO action_batches (run, rows) VALUES (?, ?)", ("old", msgpack.packb([list(r) for r in packed])))
    conn.commit()
    conn.close()
    store = SQLiteStore(tmp_path, flush_interval=3600)
    try:
        assert [a.id for a in store.list_actions("old").actions] == ["id000002", "id000003", "id000001"]
        assert store.get_action("old", "id000001") == single
        # the aggregates of runs recorded before version 4 are computed by the upgrade
        assert store.run_counts(["old"])["old"].succeeded == 3
    finally:
        store.close()
    assert sqlite3.connect(tmp_path / "metadata.db").execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)
