"""flyte.types: the SDK's type engine over flyteidl2 literals, and user transformers carrying task I/O."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import subprocess
import sys
import threading
import typing
from typing import Optional

import pytest
from flyteidl2.core import literals_pb2, types_pb2
from pydantic import BaseModel

import flyte
import flyte.errors
from flyte.io import File
from flyte.types import (
    FlytePickle,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
    guess_interface,
    literal_string_repr,
)


def roundtrip(value, tp):
    async def go():
        lt = TypeEngine.to_literal_type(tp)
        lit = await TypeEngine.to_literal(value, tp, lt)
        return lit, await TypeEngine.to_python_value(lit, tp)

    return asyncio.run(go())


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: list[str] = dataclasses.field(default_factory=list)


class Shape(enum.Enum):
    SQUARE = "sq"
    CIRCLE = "ci"


class Reading(BaseModel):
    where: Point
    shape: Shape
    note: Optional[str] = None


class Pair(typing.NamedTuple):
    left: int
    right: str


class Row(typing.TypedDict):
    id: int
    name: str


def test_primitives_are_primitive_literals():
    lit, back = roundtrip(7, int)
    assert lit.scalar.primitive.integer == 7 and back == 7
    # the float transformer takes an int (the engine's type check, as in the SDK, does not)
    lit = asyncio.run(TypeEngine.get_transformer(float).to_literal(2, float, TypeEngine.to_literal_type(float)))
    assert lit.scalar.primitive.float_value == 2.0
    with pytest.raises(TypeTransformerFailedError, match="float"):
        roundtrip(2, float)
    lit, back = roundtrip("hi", str)
    assert lit.scalar.primitive.string_value == "hi"
    lit, back = roundtrip(datetime.timedelta(minutes=3), datetime.timedelta)
    assert lit.scalar.primitive.duration.seconds == 180 and back == datetime.timedelta(minutes=3)
    naive = datetime.datetime(2024, 5, 1, 12, 30)
    _, back = roundtrip(naive, datetime.datetime)
    assert back == naive.replace(tzinfo=datetime.timezone.utc)
    assert TypeEngine.to_literal_type(bool) == types_pb2.LiteralType(simple=types_pb2.BOOLEAN)


def test_containers_and_unions():
    lit, back = roundtrip([1, 2, 3], list[int])
    assert [x.scalar.primitive.integer for x in lit.collection.literals] == [1, 2, 3] and back == [1, 2, 3]
    lit, back = roundtrip({"a": 1}, dict[str, int])
    assert lit.map.literals["a"].scalar.primitive.integer == 1 and back == {"a": 1}
    lit, back = roundtrip({1: "one"}, dict[int, str])  # non-string keys: a msgpack struct
    assert lit.scalar.binary.tag == "msgpack" and back == {1: "one"}
    lit, back = roundtrip(None, Optional[int])
    assert lit.scalar.union.type.structure.tag == "none" and back is None
    lit, back = roundtrip(4, int | str)
    assert lit.scalar.union.type.structure.tag == "int" and back == 4


def test_structured_values_roundtrip_as_msgpack():
    lit, back = roundtrip(Point(1, 2.5, ["a"]), Point)
    assert lit.scalar.binary.tag == "msgpack" and back == Point(1, 2.5, ["a"])
    reading = Reading(where=Point(3, 4.0), shape=Shape.CIRCLE)
    lit, back = roundtrip(reading, Reading)
    assert back == reading
    import msgpack

    assert msgpack.unpackb(lit.scalar.binary.value)["shape"] == "CIRCLE"  # enums travel by name
    _, back = roundtrip(Pair(1, "x"), Pair)
    assert back == Pair(1, "x") and isinstance(back, Pair)
    _, back = roundtrip((1, "x", [2.0]), tuple[int, str, list[float]])
    assert back == (1, "x", [2.0])
    _, back = roundtrip(Row(id=1, name="n"), Row)
    assert back == {"id": 1, "name": "n"}
    lit, back = roundtrip(Shape.SQUARE, Shape)
    assert lit.scalar.primitive.string_value == "SQUARE" and back is Shape.SQUARE


def test_a_plain_dict_is_accepted_for_a_dataclass_and_checked():
    _, back = roundtrip({"x": 1, "y": 2}, Point)
    assert back == Point(1, 2.0, [])
    with pytest.raises(TypeTransformerFailedError, match="Point"):
        roundtrip({"y": 2}, Point)  # x is required


def test_wrong_values_are_refused_with_the_types_named():
    with pytest.raises(TypeTransformerFailedError, match="int"):
        roundtrip("3", int)
    with pytest.raises(TypeTransformerFailedError):
        roundtrip(True, int)  # a bool is not an int here
    with pytest.raises(TypeTransformerFailedError, match="not of container type"):
        roundtrip((1, 2), list[int])


def test_unknown_types_are_pickled():
    class Opaque:
        def __init__(self, v):
            self.v = v

    assert TypeEngine.get_transformer(Opaque).name == "FlytePickle"
    assert TypeEngine.get_transformer(typing.Any).python_type is FlytePickle
    lit, back = roundtrip(Opaque(5), Opaque)
    assert lit.scalar.binary.value and back.v == 5
    big = Opaque("x" * 50_000)  # over the inline limit: pickled to a file the literal names
    lit, back = roundtrip(bytearray(b"x" * 20_000), bytearray)
    assert lit.scalar.blob.uri and back == bytearray(b"x" * 20_000)
    assert big.v


def test_file_is_a_blob_literal(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("1,2")
    lit, back = roundtrip(File(path=str(p), format="csv"), File)
    assert lit.scalar.blob.uri == str(p)
    assert lit.scalar.blob.metadata.type.dimensionality == types_pb2.BlobType.SINGLE
    assert isinstance(back, File) and back.path == str(p) and back.format == "csv"


def test_guessing_python_types_from_flyte_types():
    assert TypeEngine.guess_python_type(TypeEngine.to_literal_type(list[int])) == typing.List[int]
    assert TypeEngine.guess_python_type(TypeEngine.to_literal_type(dict[str, float])) == typing.Dict[str, float]
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Point))
    assert dataclasses.is_dataclass(guessed) and [f.name for f in dataclasses.fields(guessed)] == ["x", "y", "tags"]
    lit = asyncio.run(TypeEngine.to_literal(Point(1, 2.0), Point, TypeEngine.to_literal_type(Point)))
    value = asyncio.run(TypeEngine.to_python_value(lit, guessed))
    assert (value.x, value.y) == (1, 2.0)
    model = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Reading))
    assert issubclass(model, BaseModel) and list(model.model_fields)[:2] == ["where", "shape"]
    with pytest.raises(ValueError, match="No transformers"):
        TypeEngine.guess_python_type(types_pb2.LiteralType(simple=types_pb2.ERROR))


def test_guess_interface_marks_defaults():
    from flyteidl2.core import interface_pb2
    from flyteidl2.task import common_pb2

    variables = interface_pb2.VariableMap(variables=[
        interface_pb2.VariableEntry(key="n", value=interface_pb2.Variable(type=TypeEngine.to_literal_type(int))),
        interface_pb2.VariableEntry(key="s", value=interface_pb2.Variable(type=TypeEngine.to_literal_type(str))),
    ])
    outputs = interface_pb2.VariableMap(variables=[
        interface_pb2.VariableEntry(key="o0", value=interface_pb2.Variable(type=TypeEngine.to_literal_type(float)))])
    default = common_pb2.NamedParameter(name="s")
    default.parameter.default.scalar.primitive.string_value = "x"
    iface = guess_interface(interface_pb2.TypedInterface(inputs=variables, outputs=outputs), [default])
    assert iface.inputs["n"][0] is int and iface.inputs["s"][1] is iface.has_default
    assert iface.outputs == {"o0": float}


def test_literal_string_repr():
    lit = asyncio.run(TypeEngine.to_literal({"a": [1, 2]}, dict[str, list[int]],
                                            TypeEngine.to_literal_type(dict[str, list[int]])))
    assert literal_string_repr(lit) == {"a": [1, 2]}
    assert literal_string_repr(literals_pb2.LiteralMap(literals={"k": lit})) == {"k": {"a": [1, 2]}}
    assert literal_string_repr(None) == {}
    with pytest.raises(ValueError, match="Unknown literal type"):
        literal_string_repr(42)


def test_registering_a_type_twice_is_an_error():
    class Once:
        pass

    class OnceTransformer(TypeTransformer[Once]):
        def __init__(self):
            super().__init__("Once", Once)

        def get_literal_type(self, t):
            return types_pb2.LiteralType(simple=types_pb2.STRING)

        async def to_literal(self, python_val, python_type, expected):
            return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="o")))

        async def to_python_value(self, lv, expected_python_type):
            return Once()

    TypeEngine.register(OnceTransformer())
    with pytest.raises(ValueError, match="already registered"):
        TypeEngine.register(OnceTransformer())


# -- a user transformer carries task I/O ---------------------------------------------------------------


class Temperature:
    """Not picklable (it holds a lock): it can only cross tasks through its transformer."""

    def __init__(self, celsius: float):
        self.celsius = celsius
        self._lock = threading.Lock()


CALLS = {"to_literal": 0, "to_python": 0, "child": 0}


class TemperatureTransformer(TypeTransformer[Temperature]):
    def __init__(self):
        super().__init__("Temperature", Temperature)

    def get_literal_type(self, t):
        return types_pb2.LiteralType(simple=types_pb2.STRING)

    async def to_literal(self, python_val, python_type, expected):
        CALLS["to_literal"] += 1
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(
            primitive=literals_pb2.Primitive(string_value=f"{python_val.celsius}C")))

    async def to_python_value(self, lv, expected_python_type):
        CALLS["to_python"] += 1
        return Temperature(float(lv.scalar.primitive.string_value.rstrip("C")))


TypeEngine.register(TemperatureTransformer())
env = flyte.TaskEnvironment("types_io")


@env.task
async def measure(c: float) -> Temperature:
    CALLS["child"] += 1
    return Temperature(c)


@env.task
async def warmer(t: Temperature) -> float:
    return t.celsius + 1


@env.task
async def pipeline(c: float, fail: bool) -> float:
    t = await measure(c)
    if fail:
        raise RuntimeError("failing after the measurement")
    return await warmer(t)


def test_a_user_transformer_carries_values_between_tasks(flyte_home):
    for k in CALLS:
        CALLS[k] = 0
    run = flyte.with_runcontext(name="temps").run(pipeline, 20.0, False)
    assert run.outputs()[0] == 21.0
    assert CALLS["to_literal"] >= 2 and CALLS["to_python"] >= 2  # measure's output, warmer's input


def test_a_value_of_a_user_type_is_replayed_through_its_transformer(flyte_home):
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="temps-resume").run(pipeline, 30.0, True)
    for k in CALLS:
        CALLS[k] = 0
    run = flyte.with_runcontext(name="temps-resume").run(pipeline, 30.0, False)
    assert run.outputs()[0] == 31.0
    assert CALLS["child"] == 0  # measure came from the store ...
    assert CALLS["to_python"] >= 1  # ... decoded by the transformer


def test_import_flyte_does_not_load_the_type_system():
    code = ("import sys, flyte; print(*(m in sys.modules for m in "
            "('flyteidl2', 'flyte.types', 'flyte._types', 'flyte.io.extend')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"] * 4


def test_the_sdks_private_addresses_of_type_system_names_still_resolve():
    """The SDK's tests and plugins import these from its private modules; ours live in
    flyte._types, and each address gives the same object flyte.types and TypeEngine use."""
    import flyte.types as public
    from flyte.types import _interface, _pickle, _renderer

    assert _pickle.FlytePickle is public.FlytePickle
    assert isinstance(TypeEngine.get_transformer(type("Unknown", (), {})), _pickle.FlytePickleTransformer)
    assert _pickle.DEFAULT_PICKLE_BYTES_LIMIT > 0
    assert _interface.guess_interface is public.guess_interface
    assert _renderer.Renderable is public.Renderable
