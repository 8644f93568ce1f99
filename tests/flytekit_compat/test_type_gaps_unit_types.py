"""Types as flytekit's unit/types tests use them: JSON-lines iterators, iterators read as lists,
a file's metadata, paths under another bucket, pyarrow tables narrowed to their columns, dataset
handlers that must be subclassed, a dataset at a uri the user names, lazily imported modules."""

from __future__ import annotations

import collections.abc
import dataclasses
import os
import sys
import typing
from pathlib import Path
from typing import Iterator, Optional

import pandas as pd
import pyarrow as pa
import pydantic
import pytest
from flytekit.lazy_import.lazy_module import is_imported, lazy_module
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from flytekit.types.iterator import JSON, FlyteIterator
from flytekit.types.structured import StructuredDataset, StructuredDatasetDecoder, StructuredDatasetEncoder
from typing_extensions import Annotated

from flytekit import current_context, kwtypes, task, workflow

# -- Iterator[JSON] ------------------------------------------------------------------------------


@task
def pass_records(records: Iterator[JSON]) -> Iterator[JSON]:
    return records


@task
def drain_then_pass(records: Iterator[JSON]) -> Iterator[JSON]:
    assert [r["n"] for r in records] == [1, 2]
    return records  # now exhausted


@task
def emit_records(count: int) -> Iterator[JSON]:
    for i in range(count):
        yield {"n": i, "label": f"row-{i}"}


def test_json_records_cross_a_task_and_arrive_as_a_one_shot_iterator() -> None:
    out = pass_records(records=iter([{"n": 1}, {"n": 2}]))
    assert isinstance(out, Iterator)
    assert [next(out), next(out)] == [{"n": 1}, {"n": 2}]
    with pytest.raises(StopIteration):
        next(out)
    # a generator task's items, in order, read once
    produced = emit_records(count=3)
    assert [r["label"] for r in produced] == ["row-0", "row-1", "row-2"]
    assert list(produced) == []


@task
def emit_plain(count: int) -> collections.abc.Iterator[JSON]:
    for i in range(count):
        yield {"n": i}


def test_collections_abc_iterator_of_json_is_an_ordinary_iterator() -> None:
    # flytekit keys its JSON-lines transformer on typing.Iterator[JSON] only
    values = emit_plain(count=2)
    assert list(values) == [{"n": 0}, {"n": 1}]
    assert list(values) == [{"n": 0}, {"n": 1}]  # read again
    assert list(emit_plain(count=0)) == []  # and may be empty


def test_an_empty_json_stream_cannot_be_sent() -> None:
    with pytest.raises(ValueError, match=r"The iterator is empty\."):
        drain_then_pass(records=iter([{"n": 1}, {"n": 2}]))
    with pytest.raises(ValueError, match=r"The iterator is empty\."):
        emit_records(count=0)


@workflow
def records_wf() -> Iterator[JSON]:
    return pass_records(records=emit_records(count=2))


def test_json_records_flow_through_a_workflow() -> None:
    assert [r["n"] for r in records_wf()] == [0, 1]


# -- Iterator[T] where List[T] is declared --------------------------------------------------------


@task
def count_up(n: int) -> typing.Iterator[int]:
    yield from range(n)


@workflow
def counted(n: int) -> typing.List[int]:
    return count_up(n=n)


@task
def total(values: typing.List[int]) -> int:
    return sum(values)


@workflow
def counted_total(n: int) -> int:
    return total(values=count_up(n=n))


def test_an_iterator_output_is_read_as_a_list() -> None:
    assert counted(n=4) == [0, 1, 2, 3]
    assert counted_total(n=5) == 10
    assert isinstance(count_up(n=2), FlyteIterator)


# -- FlyteFile metadata, alternate buckets --------------------------------------------------------


@task
def make_file(text: str) -> FlyteFile:
    p = Path(current_context().working_directory) / "note.txt"
    p.write_text(text)
    return FlyteFile(path=p, metadata={"chars": str(len(text))})


@task
def file_metadata(f: FlyteFile) -> Optional[dict]:
    return f.metadata


@dataclasses.dataclass
class Wrapped:
    f: FlyteFile


@task
def wrap(f: FlyteFile) -> Wrapped:
    return Wrapped(f=f)


@task
def wrapped_metadata(w: Wrapped) -> dict:
    return w.f.metadata or {}


@workflow
def metadata_wf(text: str) -> typing.Tuple[Optional[dict], dict]:
    f = make_file(text=text)
    return file_metadata(f=f), wrapped_metadata(w=wrap(f=f))


def test_file_metadata_travels_with_the_file() -> None:
    direct, in_dataclass = metadata_wf(text="hello")
    assert direct == {"chars": "5"}
    assert in_dataclass == {"chars": "5"}


def test_new_remote_paths_under_another_bucket() -> None:
    f = FlyteFile.new_remote_file(name="out.bin", alt="other-bucket")
    d = FlyteDirectory.new_remote(stem="parts", alt="other-bucket")
    for path, tail in ((f.path, "out.bin"), (d.path, "parts")):
        parts = path.split("/")
        assert parts[2] == "other-bucket" and parts[-1] == tail, path
    # without `alt` nothing is replaced
    assert "other-bucket" not in FlyteFile.new_remote_file(name="x").path


# -- pyarrow tables, dataset handlers, a dataset at a user's uri ----------------------------------

Cols = kwtypes(city=str, people=int)


@task
def keep_city(t: Annotated[pa.Table, Cols]) -> Annotated[pa.Table, kwtypes(city=str)]:
    assert t.column_names == ["city", "people"]
    return t


def test_arrow_tables_are_narrowed_to_the_declared_columns() -> None:
    table = pa.table({"city": ["Oslo", "Lima"], "people": [7, 9], "spare": [0, 0]})
    out = keep_city(t=table)
    assert isinstance(out, pa.Table)
    assert out.column_names == ["city"]
    assert out.column("city").to_pylist() == ["Oslo", "Lima"]


def test_dataset_handlers_must_be_subclassed() -> None:
    with pytest.raises(TypeError):
        StructuredDatasetEncoder(pd.DataFrame, "", "")  # type: ignore[abstract]
    with pytest.raises(TypeError):
        StructuredDatasetDecoder(pd.DataFrame, "", "")  # type: ignore[abstract]


@task
def read_at(uri: str) -> pd.DataFrame:
    return StructuredDataset(uri=uri, file_format="parquet").open(pd.DataFrame).all()


def test_a_task_reads_a_dataset_at_a_uri_it_names(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    target = tmp_path / "data.parquet"
    frame.to_parquet(target)
    pd.testing.assert_frame_equal(read_at(uri=str(target)), frame)


# -- lazy modules -------------------------------------------------------------------------------


def test_lazy_module_imports_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    mod = lazy_module("colorsys")
    assert not is_imported("colorsys")
    assert mod.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert is_imported("colorsys")
    assert lazy_module("colorsys") is sys.modules["colorsys"]


# -- `downloaded`, as flytekit tracks it ----------------------------------------------------------


def test_downloaded_turns_true_on_first_local_use(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    f, d = FlyteFile(str(tmp_path / "f.txt")), FlyteDirectory(str(tmp_path))
    assert not f.downloaded and not d.downloaded  # even though both were local all along
    with open(f) as fh:
        assert fh.read() == "x"
    assert os.path.join(d, "f.txt") == str(tmp_path / "f.txt")
    assert f.downloaded and d.downloaded


@task
def dir_state(d: FlyteDirectory) -> typing.Tuple[bool, bool]:
    before = d.downloaded
    os.listdir(d)
    return before, d.downloaded


def test_an_arriving_directory_is_not_downloaded_until_used(tmp_path: Path) -> None:
    assert dir_state(d=FlyteDirectory(str(tmp_path))) == (False, True)


# -- pydantic models with optional parts and file metadata ----------------------------------------


class Leaf(pydantic.BaseModel):
    size: Optional[int] = None


class Tree(pydantic.BaseModel):
    leaf: Optional[Leaf] = None
    doc: Optional[FlyteFile] = None


@task
def leaf_size(leaf: Leaf) -> int:
    return leaf.size or 0


@task
def maybe_leaf(leaf: Optional[Leaf]) -> bool:
    return leaf is not None


@workflow
def grow(tree: Tree) -> typing.Tuple[int, bool]:
    return leaf_size(leaf=tree.leaf), maybe_leaf(leaf=tree.leaf)


@workflow
def bare(tree: Tree) -> bool:
    return maybe_leaf(leaf=tree.leaf)


def test_an_optional_field_binds_to_a_plain_input_and_is_checked_when_it_resolves() -> None:
    assert grow(tree=Tree(leaf=Leaf(size=3))) == (3, True)
    assert bare(tree=Tree()) is False  # None for an Optional[model] input is not ambiguous
    with pytest.raises(Exception, match="leaf"):
        grow(tree=Tree())  # None where a Leaf is required fails when the field is read


def test_file_metadata_survives_a_pydantic_round_trip(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("x")
    tree = Tree(doc=FlyteFile(str(tmp_path / "d.txt"), metadata={"owner": "ops"}))
    again = Tree.model_validate(tree.model_dump())
    assert again.doc is not None and again.doc.metadata == {"owner": "ops"}
    assert Tree.model_validate({"doc": {"path": str(tmp_path / "d.txt")}}).doc.metadata is None


# -- FlyteDirectory paths ------------------------------------------------------------------------


def test_directory_children_and_the_slash_operator(tmp_path: Path) -> None:
    remote = FlyteDirectory("s3://bucket/")
    assert remote.sep == "/"
    sub = remote.new_dir("part")
    assert sub.path == "s3://bucket/part" and not (tmp_path / "s3:").exists()
    assert sub.new_file("a.csv").path == "s3://bucket/part/a.csv"
    local = FlyteDirectory(str(tmp_path))
    made = local.new_dir("out")
    assert made.path == str(tmp_path / "out") and not os.path.exists(made.path)  # named, not created
    assert local / "x.txt" == tmp_path / "x.txt"
    assert len(os.path.basename(local.new_file().path)) > 8  # a random name


def test_separator_follows_the_platform_for_local_directories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "name", "nt")
    assert FlyteDirectory("file://data").sep == "\\"
    assert FlyteDirectory("s3://data").sep == "/"
