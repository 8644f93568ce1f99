"""Data types at task boundaries: files, directories, dataframes, dataclasses, pydantic, enums."""

import dataclasses
import datetime
import enum
import os
import re
import tempfile
import typing

import pandas as pd
import pydantic
import pytest
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import CSVFile, FlyteFile
from flytekit.types.structured import StructuredDataset
from typing_extensions import Annotated

from flytekit import Deck, Secret, current_context, kwtypes, task, workflow
from flytekit_compat._typecheck import TypeTransformerFailedError


@task
def write(text: str) -> FlyteFile:
    d = tempfile.mkdtemp()
    p = os.path.join(d, "out.txt")
    with open(p, "w") as f:
        f.write(text)
    return FlyteFile(p)


@task
def read(f: FlyteFile) -> str:
    with open(f) as fh:  # os.fspath works, as in flytekit
        first = fh.read()
    with f.open("r") as fh:
        second = fh.read()
    assert first == second
    return first


@workflow
def file_wf(text: str) -> str:
    return read(f=write(text=text))


def test_flytefile_between_tasks_and_from_a_path(tmp_path):
    assert file_wf(text="hello") == "hello"
    p = tmp_path / "in.txt"
    p.write_text("from a path")
    assert read(f=str(p)) == "from a path"
    assert read(f=FlyteFile(str(p))) == "from a path"
    f = write(text="x")
    assert isinstance(f, FlyteFile) and os.fspath(f) == f.path and str(f) == f.path


@task
def make_dir() -> FlyteDirectory:
    d = tempfile.mkdtemp()
    for i in range(3):
        with open(os.path.join(d, f"f{i}.txt"), "w") as fh:
            fh.write(str(i))
    return FlyteDirectory(d)


@task
def count(d: FlyteDirectory) -> list[str]:
    names = sorted(os.listdir(d))
    assert [os.path.basename(f.path) for f in FlyteDirectory.listdir(d)] == names
    assert sorted(rel for _, rel in d.crawl()) == names
    return names


@workflow
def dir_wf() -> list[str]:
    return count(d=make_dir())


def test_flytedirectory_between_tasks():
    assert dir_wf() == ["f0.txt", "f1.txt", "f2.txt"]


@task
def csv_len(f: CSVFile) -> int:
    with open(f) as fh:
        return len(fh.read().splitlines())


def test_typed_file_aliases(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b\n1,2\n")
    assert csv_len(f=str(p)) == 2
    assert FlyteFile["csv"].extension() == "csv"


@task
def make_sd(n: int) -> StructuredDataset:
    return StructuredDataset(dataframe=pd.DataFrame({"a": list(range(n)), "b": ["x"] * n}))


@task
def only_a(sd: Annotated[StructuredDataset, kwtypes(a=int)]) -> list[str]:
    return list(sd.open(pd.DataFrame).all().columns)


@task
def frame_sum(df: pd.DataFrame) -> int:
    return int(df["a"].sum())


@task
def make_df() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3]})


@workflow
def sd_wf(n: int) -> list[str]:
    return only_a(sd=make_sd(n=n))


@workflow
def df_wf() -> int:
    return frame_sum(df=make_df())


def test_structured_datasets_and_dataframes():
    assert sd_wf(n=3) == ["a"]
    assert df_wf() == 6
    sd = make_sd(n=2)
    assert list(sd.open(pd.DataFrame).all()["a"]) == [0, 1]


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: list[str] = dataclasses.field(default_factory=list)


class Model(pydantic.BaseModel):
    name: str
    points: list[int]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@task
def structured(p: Point, m: Model, c: Color, maybe: typing.Optional[int] = None,
               either: typing.Union[int, str] = 1) -> tuple[Point, str]:
    return Point(p.x + 1, p.y * 2, [*p.tags, "seen"]), f"{m.name}:{sum(m.points)}:{c.value}:{maybe}:{either}"


@workflow
def structured_wf(p: Point, m: Model) -> str:
    moved, text = structured(p=p, m=m, c=Color.GREEN, either="s")
    return describe(p=moved, extra=text)


@task
def describe(p: Point, extra: str) -> str:
    return f"{p.x},{p.y},{p.tags}|{extra}"


def test_dataclasses_pydantic_enums_optional_union():
    out = structured_wf(p=Point(1, 1.5), m=Model(name="m", points=[1, 2]))
    assert out == "2,3.0,['seen']|m:3:green:None:s"
    _moved, text = structured(p=Point(0, 0.0), m=Model(name="n", points=[]), c="red")  # raw enum value accepted
    assert text.endswith(":red:None:1")
    with pytest.raises(TypeTransformerFailedError, match="not in Enum"):
        structured(p=Point(0, 0.0), m=Model(name="n", points=[]), c="blue")
    with pytest.raises(TypeTransformerFailedError, match="not of type"):
        structured(p=Point(0, 0.0), m=Model(name="n", points=[]), c=Color.RED, either=1.5)


@task
def attr_access() -> Point:
    return Point(3, 4.0, ["a", "b"])


@task
def takes(x: int, tag: str) -> str:
    return f"{x}-{tag}"


@workflow
def promise_attributes() -> str:
    p = attr_access()
    return takes(x=p.x, tag=p.tags[1])


def test_attribute_and_index_access_on_promises():
    assert promise_attributes() == "3-b"


@task(secret_requests=[Secret(group="user-info", key="user_secret")])
def uses_context() -> tuple[str, str, str]:
    ctx = current_context()
    wd = ctx.working_directory
    with open(os.path.join(wd, "scratch.txt"), "w") as f:
        f.write("ok")
    return ctx.secrets.get("user-info", "user_secret"), str(ctx.execution_id), wd


def test_current_context_secrets_and_working_directory(monkeypatch):
    monkeypatch.setenv("_FSEC_USER-INFO_USER_SECRET", "s3cr3t")
    secret, exec_id, wd = uses_context()
    assert secret == "s3cr3t"
    assert exec_id.startswith("ex:local:local:") and exec_id != "ex:local:local:local"
    assert os.path.isdir(wd)
    with pytest.raises(ValueError, match="Group is a required parameter"):
        Secret(key="only")
    with pytest.raises(ValueError, match="Unable to find secret"):
        current_context().secrets.get("nope", "missing")


@task(secret_requests=[Secret(group="api", key="token")])
def reads_api_token() -> str:
    return current_context().secrets.get("api", "token")


@task(secret_requests=[Secret(group="api", key="unset")])
def reads_unset_token() -> str:
    return current_context().secrets.get("api", "unset")


def test_fsec_secrets_are_the_shims_convention_not_the_runtimes(monkeypatch, caplog):
    # flytekit's `_FSEC_<GROUP>_<KEY>` reaches the task through the shim's mapping onto flyte.Secret;
    # the runtime itself no longer knows the prefix, and finds the value without a "not set" warning.
    monkeypatch.setenv("_FSEC_API_TOKEN", "t0k")
    monkeypatch.delenv("API_TOKEN", raising=False)
    with caplog.at_level("WARNING"):
        assert reads_api_token() == "t0k"
    assert not [r for r in caplog.records if "not set locally" in r.getMessage()]
    monkeypatch.delenv("_FSEC_API_UNSET", raising=False)
    with caplog.at_level("WARNING"), pytest.raises(ValueError, match="Unable to find secret"):
        reads_unset_token()
    assert [r for r in caplog.records if "not set locally" in r.getMessage()]


@task(secret_requests=[Secret(group="user-info", key="my.key")])
def reads_dotted_key() -> tuple[str, str]:
    return current_context().secrets.get("user-info", "my.key"), os.environ.get("_FSEC_USER_INFO_MY_KEY", "")


@task(secret_requests=[Secret(group="user-info", key="other.key")])
def reads_other_dotted_key() -> str:
    return current_context().secrets.get("user-info", "other.key")


@task(secret_requests=[Secret(group="api", key="token", env_var="MY_TOKEN")])
def reads_own_variable() -> str:
    return os.environ.get("MY_TOKEN", "")


def test_secrets_whose_flytekit_names_flyte_would_refuse_still_reach_the_task(monkeypatch, caplog):
    # flytekit spells the variable _FSEC_USER-INFO_MY.KEY; Flyte 2 accepts only upper-case
    # letters, digits and underscores, so the task sees it as _FSEC_USER_INFO_MY_KEY too
    monkeypatch.setenv("_FSEC_USER-INFO_MY.KEY", "dotted")
    with caplog.at_level("WARNING"):
        assert reads_dotted_key() == ("dotted", "dotted")
    assert not [r for r in caplog.records if "not set locally" in r.getMessage()]
    # the valid spelling works as well (a task reads its secrets once per process, as a pod does)
    monkeypatch.setenv("_FSEC_USER_INFO_OTHER_KEY", "safe")
    assert reads_other_dotted_key() == "safe"
    # env_var names the variable the task sees
    monkeypatch.setenv("_FSEC_API_TOKEN", "t0k")
    assert reads_own_variable() == "t0k"


@pytest.mark.parametrize("name", ["lower_case", "abc-xyz", "", "$dfadsf"])
def test_an_invalid_env_var_is_refused_when_the_secret_is_made_as_in_flytekit(name):
    with pytest.raises(ValueError, match=re.escape(f"Invalid environment variable name: {name}")):
        Secret(group="g", key="k", env_var=name)


@task(enable_deck=True)
def decked() -> str:
    Deck("custom", "<h1>custom deck</h1>")
    current_context().default_deck.append("<p>default</p>")
    import flyte

    return flyte.ctx().run_base_dir + "|" + flyte.ctx().action.name


def test_decks_become_the_action_report():
    base, action = decked().split("|")
    html = open(os.path.join(base, action, "report.html")).read()
    assert "<h1>custom deck</h1>" in html


@task
def seen_as(d: datetime.datetime) -> str:
    return repr(d)


@task
def noon() -> datetime.datetime:
    return datetime.datetime(2024, 1, 1, 12)


@workflow
def through_a_workflow(d: datetime.datetime) -> typing.List[datetime.datetime]:
    return [d, noon()]


def test_a_naive_datetime_crosses_as_utc_and_an_aware_one_keeps_its_zone():
    utc = datetime.timezone.utc
    assert seen_as(d=datetime.datetime(2024, 1, 1)) == repr(datetime.datetime(2024, 1, 1, tzinfo=utc))
    assert through_a_workflow(d=datetime.datetime(2024, 3, 1)) == [
        datetime.datetime(2024, 3, 1, tzinfo=utc), datetime.datetime(2024, 1, 1, 12, tzinfo=utc)]
    assert all(d.tzinfo is utc for d in through_a_workflow(d=datetime.datetime(2024, 3, 1)))
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert seen_as(d=datetime.datetime(2024, 1, 1, tzinfo=plus_two)) == repr(datetime.datetime(2024, 1, 1, tzinfo=plus_two))


def test_pickled_custom_class():
    class Hero:
        def __init__(self, name: str):
            self.name = name

    @task
    def greet(h: Hero) -> str:
        return f"Hello {h.name}"

    assert greet(h=Hero("Thor")) == "Hello Thor"


def test_files_pass_by_path_as_in_flytekit_local_mode(tmp_path):
    @task
    def producer() -> FlyteFile:
        p = tmp_path / "data.txt"
        p.write_text("kept")
        return FlyteFile(str(p))

    @task
    def appender(f: FlyteFile) -> FlyteFile:
        with open(f, "a") as fh:  # changes the producer's file itself, as in flytekit
            fh.write("+more")
        return f

    @task
    def consumer(f: FlyteFile) -> str:
        return open(f).read()

    @workflow
    def pipeline() -> tuple[str, FlyteFile]:
        f = producer()
        g = appender(f=f)
        return consumer(f=g), g

    text, f = pipeline()
    assert text == "kept+more"
    assert f.path == str(tmp_path / "data.txt") and repr(f) == str(tmp_path / "data.txt")
    os.unlink(f.path)
    with pytest.raises(Exception, match=f"Expected a file, but {tmp_path / 'data.txt'} is not a file"):
        consumer(f=f)


def test_list_and_union_type_helpers_answer_like_flytekit():
    import typing

    from flytekit.core.type_engine import ListTransformer, TypeEngine, UnionTransformer

    assert ListTransformer.get_sub_type(typing.List[str]) is str
    assert ListTransformer.get_sub_type(typing.Annotated[list[int], "meta"]) is int
    assert ListTransformer.get_sub_type_or_none(list) is None
    with pytest.raises(ValueError, match=r"Only generic univariate typing\.List"):
        ListTransformer.get_sub_type(typing.List)
    assert UnionTransformer.is_optional_type(typing.Optional[int])
    assert UnionTransformer.is_optional_type(int | None)
    assert UnionTransformer.is_optional_type(typing.Union[int, str, None])
    assert not UnionTransformer.is_optional_type(typing.Union[int, str])
    assert not UnionTransformer.is_optional_type(str)
    TypeEngine._LITERAL_CACHE.clear()  # code that clears flytekit's literal cache keeps working
    assert TypeEngine._LITERAL_CACHE == {}
