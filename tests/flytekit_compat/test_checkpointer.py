"""SyncCheckpoint restore and read rules."""

import pytest
from flytekit.core.checkpointer import SyncCheckpoint
from flytekit.exceptions.user import FlyteDataNotFoundException


def test_restore_needs_an_existing_directory_and_a_surviving_source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "state").write_bytes(b"1")
    cp = SyncCheckpoint(checkpoint_dest=str(tmp_path / "dest"), checkpoint_src=str(src))
    with pytest.raises(ValueError, match="directory"):
        cp.restore(tmp_path / "missing")
    (tmp_path / "into").mkdir()
    assert (cp.restore(tmp_path / "into") / "state").read_bytes() == b"1"

    lost = SyncCheckpoint(checkpoint_dest=str(tmp_path / "d2"), checkpoint_src=str(tmp_path / "gone"))
    with pytest.raises(FlyteDataNotFoundException):
        lost.restore(tmp_path / "into")


def test_read_wants_exactly_one_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a").write_bytes(b"1")
    (src / "b").write_bytes(b"2")
    with pytest.raises(ValueError, match="exactly one checkpoint - found 2"):
        SyncCheckpoint(checkpoint_dest=str(tmp_path / "d"), checkpoint_src=str(src)).read()
