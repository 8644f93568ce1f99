"""flyte.io.File / Dir / DataFrame passed between actions."""

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pydantic
import pytest

import flyte
from flyte.io import DataFrame, Dir, File

env = flyte.TaskEnvironment("io")


@env.task
async def write_temp_file(text: str) -> File:
    tmp = Path(tempfile.mkdtemp()) / "greeting.txt"
    tmp.write_text(text)
    f = await File.from_local(tmp)
    return f


@env.task
def delete_dir(path: str) -> bool:
    shutil.rmtree(path)
    return True


@env.task
async def read_file(f: File) -> str:
    async with f.open("rb") as fh:
        return (await fh.read()).decode()


@env.task
def read_file_sync(f: File) -> str:
    with f.open_sync("r") as fh:
        return fh.read()


@env.task
async def producer_then_consumer(text: str) -> list[str]:
    f = await write_temp_file(text)
    original_dir = str(Path(f.path).parent)
    # the producer's temp directory is gone, but the value was kept in the run's data dir
    shutil.rmtree(tempfile.gettempdir() + "/does-not-exist", ignore_errors=True)
    return [await read_file(f), await read_file_sync.aio(f), original_dir, f.path]


def test_file_crossing_actions_survives_the_producer_temp_dir():
    run = flyte.run(producer_then_consumer, "hello file")
    a, b, _kept_dir, path = run.outputs()[0]
    assert a == b == "hello file"
    assert path.startswith(run.url) and os.path.exists(path)


@env.task
async def make_then_delete_source() -> str:
    tmp = Path(tempfile.mkdtemp())
    (tmp / "data.txt").write_text("precious")
    f = File.from_local_sync(tmp / "data.txt")
    kept = await passthrough(f)
    shutil.rmtree(tmp)  # the caller's original file is gone now
    return await read_file(kept)


@env.task
async def passthrough(f: File) -> File:
    return f


def test_file_argument_is_copied_when_passed():
    assert flyte.run(make_then_delete_source).outputs()[0] == "precious"


@env.task
async def new_remote_file() -> File:
    f = File.new_remote("out.bin")
    async with f.open("wb") as fh:
        await fh.write(b"\x00\x01")
    return f


@env.task
async def file_round_trip() -> list:
    f = await new_remote_file()
    local = await f.download()
    other = Path(tempfile.mkdtemp()) / "copy.bin"
    copied = f.download_sync(other)
    return [Path(local).read_bytes().hex(), Path(copied).read_bytes().hex(), await f.exists(), f.name]


def test_new_remote_open_download():
    assert flyte.run(file_round_trip).outputs()[0] == ["0001", "0001", True, "out.bin"]


@env.task
async def make_dir() -> Dir:
    tmp = Path(tempfile.mkdtemp()) / "tree"
    (tmp / "sub").mkdir(parents=True)
    for i in range(3):
        (tmp / f"f{i}.txt").write_text(str(i))
    (tmp / "sub" / "deep.txt").write_text("deep")
    d = await Dir.from_local(tmp)
    return d


@env.task
async def list_dir(d: Dir) -> list[str]:
    names = [f.name async for f in d.walk()]
    flat = [f.name for f in d.walk_sync(recursive=False)]
    return [*sorted(names), "|", *sorted(flat)]


@env.task
async def dir_driver() -> list[str]:
    d = await make_dir()
    shutil.rmtree(Path(d.path).parent, ignore_errors=True) if not d.path.startswith(flyte.ctx().run_base_dir) else None
    return await list_dir(d)


def test_dir_walk_after_crossing():
    out = flyte.run(dir_driver).outputs()[0]
    assert out == ["deep.txt", "f0.txt", "f1.txt", "f2.txt", "|", "f0.txt", "f1.txt", "f2.txt"]


@env.task
async def make_frame(n: int) -> DataFrame:
    return DataFrame.from_df(pd.DataFrame({"a": list(range(n)), "b": [x * 2 for x in range(n)]}))


@env.task
async def sum_frame(df: DataFrame) -> int:
    frame = await df.open(pd.DataFrame).all()
    return int(frame["b"].sum())


@env.task
def sum_pandas(df: pd.DataFrame) -> int:
    return int(df["a"].sum())


@env.task
async def frame_driver(n: int) -> list[int]:
    fdf = await make_frame(n)
    raw = pd.DataFrame({"a": [1, 2, 3], "b": [1, 1, 1]})
    return [await sum_frame(fdf), await sum_pandas.aio(raw), await sum_frame(raw)]


def test_dataframes_between_tasks():
    assert flyte.run(frame_driver, 5).outputs()[0] == [20, 6, 3]


class Batch(pydantic.BaseModel):
    name: str
    data: File


@env.task
async def model_with_file(b: Batch) -> str:
    return b.name + ":" + await read_file(b.data)


@env.task
async def model_driver() -> str:
    f = await write_temp_file("inside model")
    return await model_with_file(Batch(name="m", data=f))


def test_file_inside_a_pydantic_model():
    assert flyte.run(model_driver).outputs()[0] == "m:inside model"


def test_file_equality_repr_and_validation():
    a, b = File(path="/x/y.txt"), File(path="/x/y.txt")
    assert a == b and hash(a) == hash(b) and a.name == "y.txt"
    assert "y.txt" in repr(a)
    with pytest.raises(FileNotFoundError):
        File.from_local_sync("/definitely/not/here.txt")
    with pytest.raises(FileNotFoundError):
        Dir.from_local_sync("/definitely/not/here")
    assert Batch.model_validate({"name": "n", "data": {"path": "/p"}}).data == File(path="/p")


class FrameHolder(pydantic.BaseModel):
    frame: DataFrame
    rows: int = 0


@env.task
async def small_frame() -> DataFrame:
    return DataFrame.from_df(pd.DataFrame({"a": [1, 2]}))


@env.task
async def print_frames() -> list[str]:
    frame = await small_frame()
    return [str(frame), repr(frame), str(FrameHolder(frame=frame, rows=2)), str(DataFrame.from_df(pd.DataFrame()))]


def test_io_values_print_as_the_sdk_pydantic_models_print():
    # print() shows pydantic's field list (no class name); repr() names the class
    assert str(File(path="/x/y.txt")) == "path='/x/y.txt' name='y.txt' format='' hash=None hash_method=None"
    assert str(Dir(path="/x/d")) == "path='/x/d' name='d' format='' hash=None"
    printed, shown, nested, wrapped = flyte.run(print_frames).outputs()[0]
    uri = shown.split("uri='")[1].split("'")[0]
    assert printed == f"uri='{uri}' format='parquet' hash=None"
    assert shown == f"DataFrame(uri='{uri}', format='parquet', hash=None)"
    assert nested == f"frame=DataFrame(uri='{uri}', format='parquet', hash=None) rows=2"  # pydantic's str of a field is its repr
    assert wrapped == "uri=None format='' hash=None"  # not written yet: no format


def test_download_of_a_stored_dir_or_file_goes_to_a_fresh_directory_named_as_the_source(tmp_path):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("memory://dl-test/data/a.txt", b"A")
    fs.pipe("memory://dl-test/data/sub/b.txt", b"B")
    fs.pipe("memory://dl-test/files/x.csv", b"x")
    try:
        d = Dir(path="memory://dl-test/data/", name="renamed")
        first, second = Path(d.download_sync()), Path(d.download_sync())
        assert first.name == second.name == "data" and first != second  # the path's name, a new place each time
        assert (first / "a.txt").read_text() == "A" and (first / "sub" / "b.txt").read_text() == "B"
        f = Path(File(path="memory://dl-test/files/x.csv", name="other.csv").download_sync())
        assert f.name == "x.csv" and f.read_text() == "x"
        local = Dir(path=str(tmp_path))
        assert local.download_sync() == str(tmp_path)  # already local: its own path, nothing copied
    finally:
        fs.rm("memory://dl-test", recursive=True)


def test_a_stored_file_is_downloaded_by_its_filesystem_get_and_a_failed_download_leaves_nothing(tmp_path):
    import fsspec

    calls: list[tuple] = []

    class HalfwayFS(fsspec.AbstractFileSystem):
        """A store whose transfers write part of the file, then fail when the path says so."""

        protocol = ("halfway-test",)

        def get(self, rpath, lpath, **kwargs):
            calls.append(("get", rpath, lpath))
            with open(lpath, "wb") as f:
                f.write(b"partial")
                if "broken" in rpath:
                    raise OSError("connection reset in the middle of the transfer")
                f.write(b" and the rest")

    fsspec.register_implementation("halfway-test", HalfwayFS, clobber=True)
    target = tmp_path / "got.bin"
    assert File(path="halfway-test://bucket/ok.bin").download_sync(str(target)) == str(target)
    assert target.read_bytes() == b"partial and the rest"
    assert calls == [("get", "halfway-test://bucket/ok.bin", str(target))]  # the store's get, nothing before it
    broken = tmp_path / "broken.bin"
    with pytest.raises(OSError, match="connection reset"):
        File(path="halfway-test://bucket/broken.bin").download_sync(str(broken))
    assert not broken.exists()  # no half-downloaded file
