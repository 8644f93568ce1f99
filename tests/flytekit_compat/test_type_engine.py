"""flytekit's type engine on the shim: literal models, TypeEngine conversions, transformers users
write (sync and async), and values of those types crossing tasks through them."""

import dataclasses
import datetime
import enum
import json
import os
import threading
import typing

import msgpack
import pydantic
import pytest
from flytekit.core.annotation import FlyteAnnotation
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.hash import HashMethod
from flytekit.core.type_engine import (
    AsyncTypeTransformer,
    LiteralsResolver,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
    _are_types_castable,
)
from flytekit.models.annotation import TypeAnnotation
from flytekit.models.core.types import BlobType
from flytekit.models.literals import Blob, BlobMetadata, Literal, LiteralCollection, LiteralMap, Primitive, Scalar
from flytekit.models.types import LiteralType, SimpleType, UnionType
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from typing_extensions import Annotated

from flytekit import task, workflow

CTX = FlyteContextManager.current_context()


def roundtrip(value, tp):
    lt = TypeEngine.to_literal_type(tp)
    lv = TypeEngine.to_literal(CTX, value, tp, lt)
    return lv, TypeEngine.to_python_value(CTX, lv, tp)


def test_literal_models_compare_and_hash_by_value():
    a = Literal(scalar=Scalar(primitive=Primitive(integer=3)))
    b = Literal(scalar=Scalar(primitive=Primitive(integer=3)))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Literal(scalar=Scalar(primitive=Primitive(integer=4)))
    assert a.scalar.primitive.value == 3 and a.value is a.scalar
    a.hash = "h"
    assert a.hash == "h" and a != b  # flytekit sets the hash on a made literal
    blob = Blob(BlobMetadata(BlobType("csv", BlobType.BlobDimensionality.SINGLE)), "/data/x.csv")
    assert blob.uri == "/data/x.csv" and blob.metadata.type.format == "csv"


@pytest.mark.parametrize("tp, check", [
    (int, lambda lt: lt.simple == SimpleType.INTEGER),
    (typing.List[float], lambda lt: lt.collection_type.simple == SimpleType.FLOAT),
    (typing.Dict[str, bool], lambda lt: lt.map_value_type.simple == SimpleType.BOOLEAN),
    (dict, lambda lt: lt.simple == SimpleType.STRUCT and lt.annotation.annotations),
    (typing.Optional[int], lambda lt: [v.structure.tag for v in lt.union_type.variants] == ["int", "none"]),
    (FlyteFile["csv"], lambda lt: (lt.blob.format, lt.blob.dimensionality) == ("csv", 0)),
    (FlyteDirectory, lambda lt: lt.blob.dimensionality == BlobType.BlobDimensionality.MULTIPART),
    (Annotated[int, FlyteAnnotation({"unit": "s"})], lambda lt: lt.annotation.annotations == {"unit": "s"}),
])
def test_literal_types(tp, check):
    assert check(TypeEngine.to_literal_type(tp))


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: typing.List[str] = dataclasses.field(default_factory=list)
    color: Color = Color.RED
    when: typing.Optional[datetime.datetime] = None


def test_primitives_collections_and_unions_round_trip_strictly():
    assert roundtrip(5, int)[1] == 5
    assert roundtrip([1.5, 2.0], typing.List[float])[1] == [1.5, 2.0]
    assert roundtrip({"a": [1]}, typing.Dict[str, typing.List[int]])[1] == {"a": [1]}
    lv, value = roundtrip("x", typing.Union[int, str])
    assert value == "x" and lv.scalar.union.stored_type.structure.tag == "str"
    assert roundtrip(None, typing.Optional[int])[1] is None
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_literal(CTX, 1, float, TypeEngine.to_literal_type(float))  # flytekit does not widen
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_literal(CTX, True, int, TypeEngine.to_literal_type(int))


def test_a_datetime_literal_is_a_utc_timestamp():
    utc = datetime.timezone.utc
    lv, value = roundtrip(datetime.datetime(2024, 5, 1, 8), datetime.datetime)
    assert value == datetime.datetime(2024, 5, 1, 8, tzinfo=utc) and value.tzinfo is utc
    assert lv.scalar.primitive.datetime.tzinfo is utc and lv.scalar.primitive.value.tzinfo is utc
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert roundtrip(datetime.datetime(2024, 5, 1, tzinfo=plus_two), datetime.datetime)[1].tzinfo == plus_two
    assert roundtrip(datetime.date(2024, 5, 1), datetime.date)[1] == datetime.date(2024, 5, 1)


def test_dataclasses_are_msgpack_with_a_schema_and_come_back_as_the_declared_class():
    p = Point(1, 2.5, ["a"], Color.BLUE, datetime.datetime(2024, 1, 2, 3, 4))
    lv, back = roundtrip(p, Point)
    assert back == p and type(back) is Point
    data = msgpack.loads(lv.scalar.binary.value)
    assert data == {"x": 1, "y": 2.5, "tags": ["a"], "color": "blue", "when": "2024-01-02T03:04:00"}
    lt = TypeEngine.to_literal_type(Point)
    assert lt.metadata["title"] == "Point" and set(lt.metadata["required"]) == {"x", "y"}
    assert lt.structure.dataclass_type["x"].simple == SimpleType.INTEGER
    guessed = TypeEngine.guess_python_type(lt)
    assert dataclasses.is_dataclass(guessed) and typing.get_type_hints(guessed)["y"] is float


def test_the_old_json_struct_format(monkeypatch):
    monkeypatch.setenv("FLYTE_USE_OLD_DC_FORMAT", "true")
    lv, back = roundtrip(Point(1, 2.0), Point)
    assert lv.scalar.binary is None and lv.scalar.generic is not None
    assert back == Point(1, 2.0)


class Inner(pydantic.BaseModel):
    name: str


class Outer(pydantic.BaseModel):
    inner: typing.List[Inner]
    scores: typing.Dict[str, int]


def test_pydantic_models_round_trip_and_guess_a_dataclass():
    value = Outer(inner=[Inner(name="a")], scores={"x": 1})
    _, back = roundtrip(value, Outer)
    assert back == value
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Outer))
    assert dataclasses.is_dataclass(guessed)


def test_guessing_python_types():
    assert TypeEngine.guess_python_type(LiteralType(simple=SimpleType.INTEGER)) is int
    assert TypeEngine.guess_python_type(LiteralType(collection_type=LiteralType(simple=SimpleType.STRING))) == typing.List[str]
    assert TypeEngine.guess_python_type(LiteralType(map_value_type=LiteralType(simple=SimpleType.FLOAT))) == typing.Dict[str, float]
    enum_type = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Color))
    assert [m.value for m in enum_type] == ["red", "blue"]
    assert issubclass(TypeEngine.guess_python_type(TypeEngine.to_literal_type(FlyteFile["csv"])), FlyteFile)


def test_castability_of_literal_types():
    s, i = LiteralType(simple=SimpleType.STRING), LiteralType(simple=SimpleType.INTEGER)
    s_or_i = LiteralType(union_type=UnionType([s, i]))
    assert _are_types_castable(s, s_or_i) and not _are_types_castable(s_or_i, s)
    tagged = LiteralType(simple=SimpleType.STRING, annotation=TypeAnnotation({"k": 1}))
    assert _are_types_castable(tagged, s) and tagged.annotation.annotations == {"k": 1}


def test_literals_resolver_reads_with_given_or_guessed_types():
    lr = LiteralsResolver({"n": Literal(scalar=Scalar(primitive=Primitive(integer=7))),
                           "xs": Literal(collection=LiteralCollection([Literal(scalar=Scalar(primitive=Primitive(integer=1)))])),
                           "m": Literal(map=LiteralMap({"k": Literal(scalar=Scalar(primitive=Primitive(string_value="v")))}))})
    assert lr.get("n", int) == 7 and lr.get("xs", typing.List[int]) == [1]
    assert lr.get("m", typing.Dict[str, str]) == {"k": "v"}
    with pytest.raises(ValueError, match="not in the literal map"):
        lr["missing"]


# -- a user's transformer: values cross tasks through it ------------------------------------------------


class Celsius:
    def __init__(self, degrees: float):
        self.degrees = degrees
        self.made_by = "user"


CALLS: list[str] = []
_lock = threading.Lock()


class CelsiusTransformer(TypeTransformer[Celsius]):
    def __init__(self):
        super().__init__("celsius", Celsius)

    def get_literal_type(self, t):
        return LiteralType(simple=SimpleType.STRING)

    def to_literal(self, ctx, python_val, python_type, expected):
        with _lock:
            CALLS.append("to_literal")
        return Literal(scalar=Scalar(primitive=Primitive(string_value=f"{python_val.degrees}C")))

    def to_python_value(self, ctx, lv, expected_python_type):
        with _lock:
            CALLS.append("to_python_value")
        c = Celsius(float(lv.scalar.primitive.string_value[:-1]))
        c.made_by = "transformer"
        return c


TypeEngine.register(CelsiusTransformer())


@task
def warm(c: Celsius) -> Celsius:
    assert c.made_by == "transformer"  # the input came through the transformer
    return Celsius(c.degrees + 1)


@task
def readings(n: int) -> typing.List[Celsius]:
    return [Celsius(float(i)) for i in range(n)]


@task
def total(cs: typing.List[Celsius]) -> float:
    assert all(c.made_by == "transformer" for c in cs)
    return sum(c.degrees for c in cs)


@workflow
def warm_twice(c: Celsius) -> Celsius:
    return warm(c=warm(c=c))


@workflow
def sum_readings(n: int) -> float:
    return total(cs=readings(n=n))


def test_a_users_transformer_carries_values_between_tasks():
    CALLS.clear()
    out = warm_twice(c=Celsius(20.0))
    assert out.degrees == 22.0 and out.made_by == "transformer"
    # the workflow input, each task output, and each task input went through the transformer
    assert CALLS.count("to_literal") >= 3 and CALLS.count("to_python_value") >= 3
    assert sum_readings(n=4) == 6.0


def test_a_literal_of_the_users_type_is_what_its_transformer_made():
    lt = TypeEngine.to_literal_type(Celsius)
    assert lt.simple == SimpleType.STRING
    lv = TypeEngine.to_literal(CTX, Celsius(3.5), Celsius, lt)
    assert lv.scalar.primitive.string_value == "3.5C"


class Fahrenheit:
    def __init__(self, degrees: float):
        self.degrees = degrees


class AsyncFahrenheitTransformer(AsyncTypeTransformer[Fahrenheit]):
    def __init__(self):
        super().__init__("fahrenheit", Fahrenheit)

    def get_literal_type(self, t):
        return LiteralType(simple=SimpleType.FLOAT)

    async def async_to_literal(self, ctx, python_val, python_type, expected):
        return Literal(scalar=Scalar(primitive=Primitive(float_value=python_val.degrees)))

    async def async_to_python_value(self, ctx, lv, expected_python_type):
        return Fahrenheit(lv.scalar.primitive.float_value * 2)


TypeEngine.register(AsyncFahrenheitTransformer())


@task
def passthrough(f: Fahrenheit) -> Fahrenheit:
    return f


def test_an_async_transformer_works_from_sync_code_and_between_tasks():
    lv = TypeEngine.to_literal(CTX, Fahrenheit(1.5), Fahrenheit, TypeEngine.to_literal_type(Fahrenheit))
    assert lv.scalar.primitive.float_value == 1.5
    # read back twice: once entering the task, once as the top-level call's output
    assert passthrough(f=Fahrenheit(1.5)).degrees == 6.0


def test_an_annotated_transformer_and_typing_any_are_pickled_as_flytekit_pickles_them():
    from flytekit.types.pickle.pickle import FlytePickleTransformer

    @task
    def pickled() -> Annotated[str, FlytePickleTransformer()]:
        return "hello"

    @task
    def anything() -> typing.Any:
        return {"a": 1}

    @workflow
    def as_file() -> FlyteFile:
        return pickled()

    f = as_file()
    assert os.path.isfile(f.path)  # the pickle file itself, as flytekit hands it over
    import cloudpickle

    with open(f.path, "rb") as fh:
        assert cloudpickle.load(fh) == "hello"
    assert anything() == {"a": 1}


def test_a_dict_struct_is_msgpack():
    lv, back = roundtrip({"a": [1, 2], "b": {"c": None}}, dict)
    assert back == {"a": [1, 2], "b": {"c": None}}
    assert json.loads(json.dumps(msgpack.loads(lv.scalar.binary.value))) == back


RUNS: list[int] = []


@task
def produce(a: int) -> Annotated[int, HashMethod(lambda v: "constant")]:
    return a


@task(cache=True, cache_version="1")
def consume(x: int) -> int:
    RUNS.append(x)
    return x * 10


@workflow
def hashed_pipeline(a: int) -> int:
    return consume(x=produce(a=a))


def test_a_hash_method_output_keys_the_downstream_cache_by_its_hash(flyte_home):
    RUNS.clear()
    assert hashed_pipeline(a=1) == 10
    # another value with the same (constant) hash is a cache hit, as in flytekit
    assert hashed_pipeline(a=2) == 10
    assert RUNS == [1]


@dataclasses.dataclass
class Bundle:
    f: FlyteFile
    n: int


@task
def remote_bundle() -> Bundle:
    return Bundle(f=FlyteFile("s3://bucket/key/data.csv"), n=1)


@task
def local_copy_path(b: Bundle) -> os.PathLike:
    assert b.f.remote_source == "s3://bucket/key/data.csv"  # arrives as a path to fetch lazily
    os.makedirs(os.path.dirname(b.f.path), exist_ok=True)
    with open(b.f.path, "w") as fh:  # (written here instead of fetched: there is no bucket)
        fh.write("x")
    return b.f.path


def test_files_inside_a_dataclass_cross_as_flytekit_passes_them():
    from flytekit.core.data_persistence import flyte_tmp_dir

    out = local_copy_path(b=remote_bundle())
    assert isinstance(out, FlyteFile) and out.path.startswith(flyte_tmp_dir) and out.path.endswith("data.csv")


# -- one engine: crossing literals are recorded by Flyte 2's type engine -----------------------------


def _ext_codes(data: bytes) -> list[int]:
    """The msgpack extension codes in a recorded value (1 = pickle, 3 = a registered record type)."""
    codes: list[int] = []

    def hook(code, payload):
        codes.append(code)
        if code in (2, 3):  # a tuple, or [key, record]: look inside
            msgpack.unpackb(payload, ext_hook=hook, raw=False, strict_map_key=False)
        return None

    msgpack.unpackb(data, ext_hook=hook, raw=False, strict_map_key=False)
    return codes


def test_a_crossing_literal_is_recorded_as_a_flyte_2_literal_and_reads_back_elsewhere(flyte_home):
    """The task output of a user's type is stored as the flyteidl2 Literal its flytekit literal
    converts to (through flyte.types), not pickled, and another process reads it back without the
    user's class or the shim's type engine."""
    import subprocess
    import sys

    from tests.flytekit_compat.conftest import store_actions

    assert warm_twice(c=Celsius(20.0)).degrees == 22.0
    outputs = [a["outputs"] for a in store_actions() if a["task"].endswith(".warm")]
    assert len(outputs) == 2
    for data in outputs:
        codes = _ext_codes(data)
        assert 3 in codes and 1 not in codes, codes  # a record, and no pickle anywhere
    script = (
        "import sys\n"
        "from flyte._serde import Codec\n"
        "from flyteidl2.core import literals_pb2\n"
        "vals = [Codec().unpack(bytes.fromhex(h)) for h in sys.argv[1:]]\n"
        "print(sorted(v.literal.scalar.primitive.string_value for v in vals))\n"
        "print('flytekit_compat.core.type_engine' in sys.modules, any('test_type_engine' in m for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *(d.hex() for d in outputs)], capture_output=True,
                          text=True, check=True, cwd=str(flyte_home.parent))
    assert done.stdout.splitlines() == ["['21.0C', '22.0C']", "False False"]


def test_literals_convert_to_flyteidl2_and_back_field_for_field():
    from flytekit.models import literals as L
    from flytekit.models import types as T
    from google.protobuf import struct_pb2

    from flytekit_compat.models._flyteidl2 import literal_from_idl2, literal_to_idl2, type_from_idl2, type_to_idl2

    generic = struct_pb2.Struct()
    generic.update({"a": "b"})
    blob = Blob(metadata=BlobMetadata(type=BlobType(format="csv", dimensionality=BlobType.BlobDimensionality.MULTIPART)),
                uri="s3://b/k")
    columns = [T.StructuredDatasetType.DatasetColumn(name="x", literal_type=LiteralType(simple=SimpleType.INTEGER))]
    sd = L.StructuredDataset(uri="/tmp/sd", metadata=L.StructuredDatasetMetadata(
        T.StructuredDatasetType(columns=columns, format="parquet")))
    stored = LiteralType(simple=SimpleType.STRING, structure=T.TypeStructure(tag="str", dataclass_type={}))
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc)
    literal = Literal(map=LiteralMap(literals={
        "ints": Literal(collection=LiteralCollection(literals=[Literal(scalar=Scalar(primitive=Primitive(integer=i)))
                                                               for i in (1, -2)])),
        "float": Literal(scalar=Scalar(primitive=Primitive(float_value=1.5))),
        "bool": Literal(scalar=Scalar(primitive=Primitive(boolean=False))),
        "when": Literal(scalar=Scalar(primitive=Primitive(datetime=when))),
        "took": Literal(scalar=Scalar(primitive=Primitive(duration=datetime.timedelta(seconds=90)))),
        "blob": Literal(scalar=Scalar(blob=blob), hash="h1", metadata={"k": "v"}),
        "bin": Literal(scalar=Scalar(binary=L.Binary(value=b"\x81\xa1a\x01", tag="msgpack"))),
        "union": Literal(scalar=Scalar(union=L.Union(value=Literal(scalar=Scalar(primitive=Primitive(string_value="s"))),
                                                      stored_type=stored))),
        "none": Literal(scalar=Scalar(none_type=L.Void())),
        "generic": Literal(scalar=Scalar(generic=generic)),
        "sd": Literal(scalar=Scalar(structured_dataset=sd)),
    }))
    pb = literal_to_idl2(literal)
    assert pb.map.literals["blob"].scalar.blob.uri == "s3://b/k" and pb.map.literals["blob"].hash == "h1"
    assert literal_from_idl2(type(pb).FromString(pb.SerializeToString())) == literal
    # a naive datetime is read as UTC, as a backend stores it
    naive = Literal(scalar=Scalar(primitive=Primitive(datetime=datetime.datetime(2024, 1, 1))))
    assert literal_from_idl2(literal_to_idl2(naive)).scalar.primitive.datetime == datetime.datetime(
        2024, 1, 1, tzinfo=datetime.timezone.utc)
    # types: a union of a collection and a schema-described struct
    struct = LiteralType(simple=SimpleType.STRUCT, metadata={"title": "P", "type": "object"},
                         annotation=TypeAnnotation(annotations={"cache-key-metadata": {"serialization-format": "msgpack"}}))
    union = LiteralType(union_type=UnionType(variants=[LiteralType(collection_type=LiteralType(simple=SimpleType.FLOAT)),
                                                       struct, LiteralType(simple=SimpleType.NONE)]))
    assert type_from_idl2(type_to_idl2(union)) == union
    # what no literal can hold is refused, naming it
    with pytest.raises(TypeError, match="cannot be carried as a literal"):
        literal_to_idl2(Literal(scalar=Scalar(primitive=Primitive(integer="seven"))))
    with pytest.raises(TypeError, match="blob literal needs a uri"):
        literal_to_idl2(Literal(scalar=Scalar(blob=Blob(metadata=None, uri=None))))


@dataclasses.dataclass
class Reading:
    n: int
    unit: str = "C"


class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Gauge(pydantic.BaseModel):
    level: Level
    n: int


def test_structured_values_are_read_by_flyte_2s_engine_with_flytekits_checks():
    """Dataclasses and models are decoded by flyte.types (coercing as flytekit's mashumaro decoder
    does); a missing field is still flytekit's LookupError; a model is written as flytekit writes
    it (enums by value) and read back."""
    from flytekit.models.literals import Binary

    t = TypeEngine.get_transformer(Reading)
    assert t.from_binary_idl(Binary(value=msgpack.dumps({"n": "1"}), tag="msgpack"), Reading) == Reading(1)
    with pytest.raises(LookupError, match="'n'"):
        t.from_binary_idl(Binary(value=msgpack.dumps({"unit": "F"}), tag="msgpack"), Reading)
    lv, back = roundtrip(Reading(3, "F"), Reading)
    assert msgpack.loads(lv.scalar.binary.value) == {"n": 3, "unit": "F"} and back == Reading(3, "F")
    lv, back = roundtrip(Gauge(level=Level.HIGH, n=2), Gauge)
    assert msgpack.loads(lv.scalar.binary.value) == {"level": "high", "n": 2} and back == Gauge(level=Level.HIGH, n=2)


def test_a_module_another_thread_is_still_importing_is_not_read_for_its_classes(monkeypatch):
    # while one map item imports the literal, dataset or engine module, another item asks whether
    # its value crosses as a literal: the half-made module (in sys.modules, its classes not yet
    # defined) must answer "no", not raise AttributeError
    import sys
    import types

    from flytekit_compat import _literal_crossing

    for name in ("flytekit_compat._literal_value", "flytekit_compat.types.structured._structured_dataset",
                 "flytekit_compat.core.type_engine"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))

    class Fresh:
        pass

    assert _literal_crossing.is_literal_value(Fresh()) is False
    assert _literal_crossing.crosses_as_literal(Fresh) is False
