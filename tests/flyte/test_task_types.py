"""Types that cross an action the way the SDK's type engine carries them: TypedDicts, NamedTuples,
mixed Literals, dicts standing for dataclasses and pydantic models, frozen dataclasses, dataframes
and datetimes. Each case was checked side by side against flyte 2.12.1 in local mode."""

import dataclasses
import datetime
import enum
import logging
from typing import Literal, NamedTuple, Optional, TypedDict

import pandas as pd
import pydantic
import pytest
import typing_extensions

import flyte
import flyte.durable
from flyte.io import DataFrame

env = flyte.TaskEnvironment("task-types")
UTC = datetime.timezone.utc


class Shape(enum.Enum):
    SQUARE = "square"
    CIRCLE = "circle"


class Point(TypedDict):
    x: int
    label: str


class Pair(NamedTuple):
    left: int
    right: str


@dataclasses.dataclass
class Leaf:
    weight: int


@dataclasses.dataclass
class Tree:
    name: str
    root: Leaf
    leaves: list[Leaf] = dataclasses.field(default_factory=list)
    planted: Optional[datetime.datetime] = None


@dataclasses.dataclass(frozen=True)
class Key:
    bucket: str
    version: int = 1


class Settings(pydantic.BaseModel):
    lr: float
    layers: list[int] = [64]


# -- TypedDict ---------------------------------------------------------------------------------------


@env.task
async def shift(p: Point) -> Point:
    return {"x": p["x"] + 1, "label": p["label"].upper()}


@env.task
async def total(points: list[Point]) -> int:
    return sum(p["x"] for p in points)


@env.task
async def points_pipeline() -> tuple[str, int]:
    moved = await shift({"x": 1, "label": "a"})
    return type(moved).__name__, await total([moved, moved])


def test_typed_dict_inputs_and_outputs_are_plain_dicts():
    assert flyte.run(shift, p={"x": 1, "label": "a"}).outputs()[0] == {"x": 2, "label": "A"}
    assert tuple(flyte.run(points_pipeline).outputs()) == ("dict", 4)


def test_typed_dict_with_a_wrong_value_or_missing_key_names_the_key():
    with pytest.raises(TypeError, match="key 'x' of Point"):
        flyte.run(total, points=[{"x": "one", "label": "a"}])
    with pytest.raises(TypeError, match=r"missing required key.*'label'"):
        flyte.run(shift, p={"x": 1})


class ExtPoint(typing_extensions.TypedDict):  # what pydantic asks for before Python 3.12
    x: int
    tags: list[str]


@env.task
async def ext_point(n: int) -> ExtPoint:
    return {"x": n, "tags": [str(n)]}


def test_a_typing_extensions_typed_dict_is_a_typed_dict_too():
    assert flyte.run(ext_point, 3).outputs()[0] == {"x": 3, "tags": ["3"]}


# -- NamedTuple --------------------------------------------------------------------------------------


@env.task
async def make_pair(n: int) -> Pair:
    return Pair(n, str(n))


@env.task
async def describe_pair(p: Pair) -> str:
    return f"{type(p).__name__}({p.left}, {p.right})"


@env.task
async def pair_pipeline(n: int) -> str:
    got = await make_pair(n)  # a plain tuple here, as in the SDK
    return type(got).__name__ + " -> " + await describe_pair(got)


def test_namedtuple_output_passed_on_to_a_task_that_takes_the_namedtuple():
    assert flyte.run(pair_pipeline, n=3).outputs()[0] == "tuple -> Pair(3, 3)"
    assert flyte.run(describe_pair, p=(7, "x")).outputs()[0] == "Pair(7, x)"
    with pytest.raises(TypeError, match="Expected 2 fields"):
        flyte.run(describe_pair, p=(1, "a", "extra"))
    with pytest.raises(TypeError, match="Pair"):
        flyte.run(describe_pair, p=("not an int", "a"))


# -- Literal -----------------------------------------------------------------------------------------


@env.task
async def mixed(v: Literal["auto", 0, Shape.SQUARE]) -> str:
    return f"{type(v).__name__}:{v}"


@env.task
async def strings_only(v: Literal["train", "eval"]) -> str:
    return v


def test_literal_mixing_str_int_and_enum(caplog):
    assert flyte.run(mixed, v="auto").outputs()[0] == "str:auto"
    assert flyte.run(mixed, v=0).outputs()[0] == "int:0"
    assert flyte.run(mixed, v=Shape.SQUARE).outputs()[0] == "Shape:Shape.SQUARE"
    # The SDK treats a mixed Literal as Any; we accept too, and say so.
    with caplog.at_level(logging.WARNING, logger="flyte"):
        assert flyte.run(mixed, v="other").outputs()[0] == "str:other"
    assert "'other' is not one of" in caplog.text


def test_literal_of_strings_only_refuses_other_values():
    assert flyte.run(strings_only, v="eval").outputs()[0] == "eval"
    with pytest.raises(TypeError, match=r"Expected one of \['train', 'eval'\]"):
        flyte.run(strings_only, v="test")


# -- dicts for dataclasses and models; frozen dataclasses -------------------------------------------------


@env.task
async def weigh(t: Tree) -> str:
    kinds = {type(t.root).__name__, *(type(leaf).__name__ for leaf in t.leaves)}
    return f"{t.name}:{t.root.weight + sum(leaf.weight for leaf in t.leaves)}:{sorted(kinds)}"


@env.task
async def weigh_from_parent() -> str:
    return await weigh({"name": "oak", "root": {"weight": 1}, "leaves": [{"weight": 2}]})


@env.task
async def bump(k: Key) -> Key:
    return dataclasses.replace(k, version=k.version + 1)


@env.task
async def buckets(keys: list[Key]) -> list[str]:
    return [k.bucket for k in keys]


@env.task
async def train(s: Settings, fallback: Optional[Settings] = None) -> str:
    return f"{type(s).__name__}:{s.lr}:{s.layers}:{fallback}"


def test_dict_given_where_a_dataclass_is_expected_is_built_into_it():
    tree = {"name": "oak", "root": {"weight": 1}, "leaves": [{"weight": 2}, {"weight": 3}]}
    assert flyte.run(weigh, t=tree).outputs()[0] == "oak:6:['Leaf']"
    assert flyte.run(weigh_from_parent).outputs()[0] == "oak:3:['Leaf']"


def test_dict_for_a_dataclass_must_match_its_fields():
    with pytest.raises(TypeError, match=r"missing required field.*'root'"):
        flyte.run(weigh, t={"name": "oak"})
    with pytest.raises(TypeError, match=r"has no field.*'colour'"):
        flyte.run(weigh, t={"name": "oak", "root": {"weight": 1}, "colour": "green"})
    with pytest.raises(TypeError, match="field 'weight' of Leaf"):
        flyte.run(weigh, t={"name": "oak", "root": {"weight": "1"}})  # no string-to-int coercion, as in the SDK


def test_frozen_dataclasses_as_values_and_from_dicts():
    assert flyte.run(bump, k=Key("b")).outputs()[0] == Key("b", 2)
    assert flyte.run(bump, k={"bucket": "b", "version": 5}).outputs()[0] == Key("b", 6)
    assert flyte.run(buckets, keys=[{"bucket": "x"}, Key("y")]).outputs()[0] == ["x", "y"]


def test_dict_given_where_a_pydantic_model_is_expected_is_validated_into_it():
    assert flyte.run(train, s={"lr": 0.1}).outputs()[0] == "Settings:0.1:[64]:None"
    out = flyte.run(train, s=Settings(lr=1.0), fallback={"lr": 0.5, "layers": [1]}).outputs()[0]
    assert out == "Settings:1.0:[64]:lr=0.5 layers=[1]"
    with pytest.raises(TypeError, match="cannot make a Settings"):
        flyte.run(train, s={"lr": "fast"})


def test_a_dict_stays_a_dict_where_the_union_allows_one():
    @env.task
    async def either(v: "Leaf | dict") -> str:
        return type(v).__name__

    assert flyte.run(either, v={"weight": 1}).outputs()[0] == "dict"
    assert flyte.run(either, v=Leaf(1)).outputs()[0] == "Leaf"


# -- dataframes --------------------------------------------------------------------------------------


@env.task
async def double(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(b=df["a"] * 2)


@env.task
async def wrap(n: int) -> DataFrame:
    return DataFrame.from_df(pd.DataFrame({"a": list(range(n))}))


@env.task
async def frame_pipeline(n: int) -> int:
    frame = await wrap(n)  # a flyte.io.DataFrame, stored as Parquet in the run
    doubled = await double(frame)  # ... read into the pandas.DataFrame the task asks for
    return int(doubled["b"].sum())


@env.task
async def count_rows(df: DataFrame) -> int:
    return len(await df.open(pd.DataFrame).all())


def test_flyte_io_dataframe_passed_to_a_pandas_parameter_and_back():
    assert flyte.run(frame_pipeline, n=4).outputs()[0] == 12
    out = flyte.run(double, df=DataFrame.from_df(pd.DataFrame({"a": [1, 2]}))).outputs()[0]
    assert isinstance(out, pd.DataFrame) and out["b"].tolist() == [2, 4]
    assert flyte.run(count_rows, df=pd.DataFrame({"a": [1, 2, 3]})).outputs()[0] == 3


# -- datetimes ---------------------------------------------------------------------------------------


@env.task
async def stamp() -> datetime.datetime:
    return datetime.datetime(2024, 5, 6, 7, 8, 9)


@env.task
async def zone_of(d: datetime.datetime) -> str:
    return f"{d.isoformat()}"


@env.task
async def stamps() -> dict[str, list[datetime.datetime]]:
    return {"a": [datetime.datetime(2024, 1, 1)]}


@env.task
async def tree_planted() -> Tree:
    return Tree("oak", Leaf(1), planted=datetime.datetime(2024, 1, 1))


@env.task
async def naive_from_child() -> str:
    d = await stamp()
    return repr(d.tzinfo)


def test_naive_datetimes_come_back_aware_in_utc_as_in_the_sdk():
    assert flyte.run(stamp).outputs()[0] == datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert flyte.run(naive_from_child).outputs()[0] == "datetime.timezone.utc"
    assert flyte.run(zone_of, d=datetime.datetime(2024, 1, 1)).outputs()[0] == "2024-01-01T00:00:00+00:00"
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    assert flyte.run(zone_of, d=datetime.datetime(2024, 1, 1, 12, tzinfo=plus2)).outputs()[0] == (
        "2024-01-01T10:00:00+00:00"
    )
    assert flyte.run(stamps).outputs()[0] == {"a": [datetime.datetime(2024, 1, 1, tzinfo=UTC)]}
    # Inside a dataclass the SDK leaves a datetime as it was.
    assert flyte.run(tree_planted).outputs()[0].planted.tzinfo is None


@env.task
async def durable_now_zone() -> str:
    return repr((await flyte.durable.now.aio()).tzinfo)


def test_durable_now_is_aware():
    # The SDK's local mode gives a naive local time; an aware UTC time compares with the aware
    # datetimes tasks now return instead of raising TypeError.
    assert flyte.run(durable_now_zone).outputs()[0] == "datetime.timezone.utc"
