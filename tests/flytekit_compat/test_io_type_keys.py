"""The shim's I/O types ride on flyte.io's public hook and keep their identity across actions:
a FlyteFile["csv"] comes back as a csv file even after a FlyteFile["json"] has been made."""

import tempfile

import pandas as pd
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from flytekit.types.structured import StructuredDataset

from flytekit import task, workflow

CsvFile = FlyteFile["csv"]
JsonFile = FlyteFile["json"]


@task
def make_csv(text: str) -> CsvFile:
    path = tempfile.mkdtemp() + "/keys.csv"
    with open(path, "w") as f:
        f.write(text)
    return CsvFile(path)


@task
def make_json() -> JsonFile:
    path = tempfile.mkdtemp() + "/keys.json"
    with open(path, "w") as f:
        f.write("{}")
    return JsonFile(path)


@task
def extensions(a: CsvFile, b: JsonFile) -> list[str]:
    return [type(a).extension(), type(b).extension(), open(a).read()]


@workflow
def wf(text: str) -> list[str]:
    return extensions(a=make_csv(text=text), b=make_json())


@workflow
def csv_wf(text: str) -> CsvFile:
    return make_csv(text=text)


def test_per_format_file_classes_keep_their_format_across_actions():
    assert wf(text="x,y") == ["csv", "json", "x,y"]
    FlyteFile["json"]  # made after FlyteFile["csv"]: once shadowed it in the registry
    out = csv_wf(text="1,2")
    assert type(out).extension() == "csv" and open(out).read() == "1,2"


def test_a_csv_file_value_decodes_as_csv_after_a_json_file_class_was_made():
    from flyte._serde import Codec

    path = tempfile.mkdtemp() + "/x.csv"  # a local FlyteFile must exist to arrive (flytekit's local mode)
    open(path, "w").close()
    value = FlyteFile["csv"](path)
    FlyteFile["json"]
    back = Codec().unpack(Codec().pack(value))
    assert type(back).extension() == "csv" and isinstance(back, FlyteFile) and back.path == path


@task
def make_frame() -> StructuredDataset:
    return StructuredDataset(dataframe=pd.DataFrame({"a": [1, 2]}))


@task
def frame_sum(sd: StructuredDataset) -> int:
    return int(sd.open(pd.DataFrame).all()["a"].sum())


@task
def make_dir() -> FlyteDirectory:
    d = tempfile.mkdtemp()
    open(f"{d}/f.txt", "w").write("z")
    return FlyteDirectory(d)


@task
def dir_type(d: FlyteDirectory) -> str:
    return type(d).__name__ + ":" + open(f"{d.path}/f.txt").read()


@workflow
def data_wf() -> tuple[int, str]:
    return frame_sum(sd=make_frame()), dir_type(d=make_dir())


def test_structured_dataset_and_directory_restore_as_themselves():
    assert data_wf() == (3, "FlyteDirectory:z")
