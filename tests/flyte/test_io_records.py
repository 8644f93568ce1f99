"""flyte.io values made from local data, and how I/O types cross actions: `from_local` copies at
once inside a run, `lazy_uploader` and `model_json_schema` as in the SDK, and the record registry
keyed by module and qualified name with its public hook (`io_record` / `from_io_record`)."""

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any, Optional

import pytest

import flyte
from flyte._serde import Codec, ExtCode, register_record_type, resolve, type_key
from flyte.io import DataFrame, Dir, File, IOValue

env = flyte.TaskEnvironment("io-records")


# -- from_local copies the bytes into the run's storage at that moment -------------------------------------


@env.task
async def snapshot_then_delete(workdir: str) -> File:
    src = Path(workdir) / "model.bin"
    src.write_bytes(b"weights v1")
    f = await File.from_local(src)
    src.write_bytes(b"overwritten")  # the File keeps the bytes it was made from ...
    os.remove(src)  # ... and survives the local file
    return f


@env.task
def snapshot_sync(workdir: str) -> File:
    src = Path(workdir) / "sync.txt"
    src.write_text("sync bytes")
    f = File.from_local_sync(src)
    src.unlink()
    return f


@env.task
async def snapshot_dir(workdir: str) -> Dir:
    src = Path(workdir) / "tree"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    d = await Dir.from_local(src)
    shutil.rmtree(src)
    return d


@env.task
async def read_back(f: File) -> bytes:
    async with f.open("rb") as fh:
        return await fh.read()


@env.task
async def pipeline(workdir: str) -> list[str]:
    f = await snapshot_then_delete(workdir)
    g = await snapshot_sync.aio(workdir)
    d = await snapshot_dir(workdir)
    files = sorted(Path(x.path).relative_to(d.path).as_posix() for x in d.walk_sync())
    return [(await read_back(f)).decode(), (await read_back(g)).decode(), *files]


def test_from_local_inside_a_run_copies_the_bytes_so_the_local_file_may_go(tmp_path):
    assert flyte.run(pipeline, workdir=str(tmp_path)).outputs()[0] == ["weights v1", "sync bytes", "a.txt", "sub/b.txt"]
    assert list(tmp_path.iterdir()) == []


@env.task
async def local_then_hash(workdir: str) -> tuple[str, Optional[str]]:
    src = Path(workdir) / "h.txt"
    src.write_text("abc")
    from flyte.io import HashFunction

    f = await File.from_local(src, hash_method=HashFunction.from_fn(lambda b: f"len={len(b)}"))
    return f.path, f.hash


def test_from_local_hash_method_sees_the_bytes(tmp_path):
    path, digest = flyte.run(local_then_hash, workdir=str(tmp_path)).outputs()
    assert digest == "len=3" and not path.startswith(str(tmp_path))


def test_outside_a_run_from_local_refers_to_the_file_with_a_lazy_uploader(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("a,b\n")
    f = File.from_local_sync(str(src))
    assert f.path == str(src) and f.name == "x.csv"
    assert asyncio.run(f.lazy_uploader()) == (None, str(src))
    g = asyncio.run(File.from_local(src, hash_method="precomputed"))
    assert g.hash == "precomputed" and g.lazy_uploader is not None
    assert File.from_existing_remote("s3://bucket/k").lazy_uploader is None
    d = asyncio.run(Dir.from_local(tmp_path))
    assert d.path == str(tmp_path) and asyncio.run(d.lazy_uploader()) == (None, str(tmp_path))
    # Passed to a run, the file is copied in then: deleting it afterwards is safe too.
    run = flyte.run(read_back, f=f)
    src.unlink()
    assert run.outputs()[0] == b"a,b\n"


def test_from_local_of_a_missing_file_is_a_value_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match=r"File not found: .*missing\.txt"):
        File.from_local_sync(tmp_path / "missing.txt")
    with pytest.raises(FileNotFoundError):
        Dir.from_local_sync(tmp_path / "missing")


def test_from_local_with_a_destination_copies_there(tmp_path):
    src = tmp_path / "s.txt"
    src.write_text("payload")
    dest = tmp_path / "out" / "d.txt"
    f = File.from_local_sync(src, str(dest))
    assert f.path == str(dest) and dest.read_text() == "payload" and f.lazy_uploader is None
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".copy-")]  # no temporary left behind


def test_model_json_schema_is_the_sdks():
    schema = File.model_json_schema()
    assert schema["required"] == ["path"] and schema["x-flyte-type"] == "file" and schema["title"] == "File"
    assert schema["properties"]["name"] == {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None,
                                            "title": "Name"}
    assert Dir(path="s3://b/d").model_json_schema()["x-flyte-type"] == "dir"
    assert "required" not in DataFrame.model_json_schema()
    json.dumps(schema)
    assert repr(File(path="s3://b/f.txt")) == "File(path='s3://b/f.txt', name='f.txt', format='', hash=None, hash_method=None)"


def test_a_pydantic_model_with_a_file_field_has_the_file_schema():
    import pydantic

    class Bundle(pydantic.BaseModel):
        data: File

    props = Bundle.model_json_schema()
    file_schema = props["$defs"]["File"] if "$defs" in props else props["properties"]["data"]
    assert file_schema["x-flyte-type"] == "file"


# -- the registry: module + qualified name, and the public hook -------------------------------------------


class Pointer(IOValue):
    """Another package's I/O type on flyte.io's hook: a different constructor, its own record."""

    _fields = ("target",)

    def __init__(self, target: str):
        self.target = target

    def io_record(self, data_dir: Optional[Path]) -> dict[str, Any]:
        return {"t": self.target, "kept_in": str(data_dir) if data_dir else None}

    @classmethod
    def from_io_record(cls, record: dict[str, Any]) -> "Pointer":
        p = cls(record["t"])
        p.kept_in = record["kept_in"]
        return p


def _decoded_key(codec: Codec, value: Any) -> str:
    import msgpack

    ext = msgpack.unpackb(codec.pack(value), raw=False)
    assert ext.code == ExtCode.IO
    return codec.unpack(ext.data)[0]


def test_io_types_are_keyed_by_module_and_qualified_name(tmp_path):
    codec = Codec(io_context=tmp_path)
    assert _decoded_key(codec, Pointer("x")) == f"{__name__}:Pointer" == type_key(Pointer)
    back = codec.unpack(codec.pack(Pointer("x")))
    assert type(back) is Pointer and back.target == "x" and back.kept_in == str(tmp_path / "data")

    class File(IOValue):  # a user class that happens to be called File
        _fields = ("n",)

        def __init__(self, n: int):
            self.n = n

    mine = codec.unpack(codec.pack(File(3)))
    assert type(mine) is File and mine.n == 3
    theirs = codec.unpack(codec.pack(flyte.io.File(path="s3://b/k")))
    assert type(theirs) is flyte.io.File and theirs.path == "s3://b/k"


def test_classes_made_per_format_are_told_apart(tmp_path):
    def per_format(fmt: str) -> type:
        return type("Typed", (flyte.io.File,), {"__qualname__": f"Typed[{fmt}]", "fmt": fmt, "__module__": __name__})

    csv, js = per_format("csv"), per_format("json")
    codec = Codec()
    a = codec.unpack(codec.pack(csv(path="s3://b/a.csv")))
    b = codec.unpack(codec.pack(js(path="s3://b/b.json")))
    assert (a.fmt, b.fmt) == ("csv", "json")


def test_any_class_can_register_encode_and_decode_functions():
    class Celsius:
        def __init__(self, deg: float):
            self.deg = deg

    register_record_type(Celsius, lambda v, ctx: {"deg": v.deg}, lambda r: Celsius(r["deg"]), key="tests:Celsius")
    codec = Codec()
    assert codec.unpack(codec.pack([Celsius(21.5)]))[0].deg == 21.5
    assert resolve("tests:Celsius").cls is Celsius


def test_unknown_key_is_a_clear_error():
    import msgpack

    codec = Codec()
    payload = msgpack.packb(msgpack.ExtType(ExtCode.IO, codec.pack(["nowhere.module:Thing", {}])))
    with pytest.raises(TypeError, match=r"nowhere\.module:Thing cannot be restored"):
        codec.unpack(payload)


def test_records_written_before_keys_had_modules_still_decode():
    import msgpack

    codec = Codec()
    old = msgpack.packb(msgpack.ExtType(ExtCode.IO, codec.pack(["File", {"path": "s3://b/k", "name": "k",
                                                                           "format": "", "hash": None}])))
    value = codec.unpack(old)
    assert type(value) is flyte.io.File and value.path == "s3://b/k"


@env.task
async def pass_pointer(p: Pointer) -> Pointer:
    return p


def test_a_registered_type_crosses_a_real_run():
    out = flyte.run(pass_pointer, p=Pointer("abc")).outputs()[0]
    assert type(out) is Pointer and out.target == "abc" and out.kept_in.endswith("data")


def test_a_class_recreated_by_unpickling_does_not_take_over_the_importable_class():
    # What cloudpickle does to a class made at run time (FlyteFile["csv"]) that it unpickles in a
    # new process: it creates the class under its bare name, then sets its __qualname__.
    copy = type("File", (flyte.io.File,), {"__module__": "flyte.io._file"})
    copy.__qualname__ = "File[x]"
    codec = Codec()
    assert type(codec.unpack(codec.pack(flyte.io.File(path="s3://b/k")))) is flyte.io.File
    assert type(codec.unpack(codec.pack(copy(path="s3://b/k")))) is copy


def test_download_into_a_directory_named_with_a_trailing_separator(tmp_path):
    src = tmp_path / "weights.bin"
    src.write_bytes(b"\x00\x01")
    f = File.from_local_sync(src)
    existing = tmp_path / "existing"
    existing.mkdir()
    assert f.download_sync(str(existing)) == str(existing / "weights.bin")
    fresh = str(tmp_path / "fresh") + os.sep  # does not exist yet: a directory because of the separator
    assert f.download_sync(fresh) == str(tmp_path / "fresh" / "weights.bin")
    assert (tmp_path / "fresh" / "weights.bin").read_bytes() == b"\x00\x01"

    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "x.txt").write_text("x")
    target = str(tmp_path / "copy") + os.sep
    assert Dir.from_local_sync(tree).download_sync(target) == target  # returned as given
    assert (tmp_path / "copy" / "sub" / "x.txt").read_text() == "x"
