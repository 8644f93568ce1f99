"""`task.native_interface.json_schema`: a task's inputs as one JSON schema object, built from each
input's Flyte literal type the way the SDK builds it (inputs with a default are not required;
a model's fields with a default are not required either)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from typing import Annotated, Optional, Union

import pydantic
from pydantic import conint

import flyte
from flyte.io import DataFrame, Dir, File
from flyte.models import NativeInterface

env = flyte.TaskEnvironment(name="json_schema_tests")


class Settings(pydantic.BaseModel):
    message: str = "hi"
    repeat: int


@dataclasses.dataclass
class Point:
    x: int
    label: str = "origin"


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@env.task
def everything(n: int, ratio: float, name: str, flag: bool, when: datetime.datetime, wait: datetime.timedelta,
               counts: list[int], by_name: dict[str, float], maybe: Optional[int], either: Union[int, str],
               settings: Settings, point: Point, colour: Colour, report: File, folder: Dir, table: DataFrame,
               retries: int = 3) -> str:
    return name


def test_every_input_is_described_and_only_inputs_without_a_default_are_required():
    schema = everything.native_interface.json_schema
    json.dumps(schema)  # plain JSON, nothing left as a protobuf object
    props = schema["properties"]
    assert schema["type"] == "object" and list(props) == list(everything.interface.inputs)
    assert schema["required"] == [n for n in props if n != "retries"]
    assert props["n"] == {"type": "integer"} and props["retries"] == {"type": "integer"}
    assert props["ratio"] == {"type": "number", "format": "float"}
    assert props["flag"] == {"type": "boolean"} and props["name"] == {"type": "string"}
    assert props["when"] == {"type": "string", "format": "datetime"}
    assert props["wait"] == {"type": "string", "format": "duration"}
    assert props["counts"] == {"type": "array", "items": {"type": "integer"}}
    assert props["by_name"] == {"type": "object", "additionalProperties": {"type": "number", "format": "float"}}
    assert props["maybe"] == {"type": "integer"}  # Optional[X] is X: leaving it out is the None
    either = props["either"]
    assert either["format"] == "union" and [v["type"] for v in either["oneOf"]] == ["integer", "string"]
    assert [v["title"] for v in either["oneOf"]] == ["int", "str"]
    assert props["colour"] == {"type": "string", "enum": ["RED", "BLUE"]}
    assert props["report"]["format"] == "blob" and props["report"]["properties"]["dimensionality"]["default"] == "SINGLE"
    assert props["folder"]["properties"]["dimensionality"]["default"] == "MULTIPART"
    assert props["table"]["format"] == "structured-dataset"


def test_a_model_or_dataclass_input_is_its_object_schema_with_defaulted_fields_optional():
    props = everything.native_interface.json_schema["properties"]
    settings = props["settings"]
    assert settings["type"] == "object" and settings["dataclass"] == "Settings" and "title" not in settings
    assert settings["required"] == ["repeat"] and settings["properties"]["message"]["default"] == "hi"
    point = props["point"]
    assert point["dataclass"] == "Point" and point["required"] == ["x"]
    assert point["properties"]["label"]["default"] == "origin"


class AllDefaults(pydantic.BaseModel):
    message: str = pydantic.Field(default="hello")
    font: str = "standard"


@env.task
def banner(inputs: AllDefaults = AllDefaults()) -> str:
    return inputs.message


def test_a_model_input_whose_fields_all_have_defaults_requires_none_of_them():
    schema = banner.native_interface.json_schema
    assert schema["required"] == []
    assert schema["properties"]["inputs"]["required"] == []
    assert schema["properties"]["inputs"]["properties"]["font"]["default"] == "standard"


def test_an_interface_built_by_hand_has_the_same_schema_and_unannotated_inputs_are_strings():
    import inspect

    iface = NativeInterface({"n": (int, inspect.Parameter.empty), "free": (inspect.Parameter.empty, "x")}, {})
    assert iface.json_schema == {"type": "object", "properties": {"n": {"type": "integer"}, "free": {"type": "string"}},
                                 "required": ["n"]}


# -- constraints: what pydantic metadata on an input's annotation allows ------------------------------


class Order(pydantic.BaseModel):
    sku: str = pydantic.Field(min_length=3, max_length=12, pattern=r"^[A-Z0-9-]+$", description="stock unit")
    quantity: int = pydantic.Field(ge=1, le=500)
    discount: float = pydantic.Field(default=0.0, ge=0, lt=1)


class Opaque:
    """No transformer: carried as a pickle."""


@env.task
def place(order: Order, weights: Annotated[list[float], pydantic.Field(min_length=1, max_length=3)],
          copies: Annotated[int, pydantic.Field(ge=1, le=10, description="how many")] = 1,
          code: Annotated[str, pydantic.StringConstraints(min_length=4, pattern="^[a-z]+$")] = "abcd",
          note: Optional[Annotated[str, pydantic.Field(max_length=20)]] = None,
          ref: Annotated[Optional[str], pydantic.Field(pattern="^ref-")] = None,
          level: conint(gt=0, lt=5) = 1,
          blob: Optional[Opaque] = None, blobs: Optional[list[Opaque]] = None) -> str:
    return order.sku


def test_a_model_inputs_field_constraints_are_in_its_schema():
    fields = place.native_interface.json_schema["properties"]["order"]["properties"]
    sku = fields["sku"]
    assert (sku["minLength"], sku["maxLength"], sku["pattern"]) == (3, 12, r"^[A-Z0-9-]+$")
    assert sku["description"] == "stock unit"
    assert (fields["quantity"]["minimum"], fields["quantity"]["maximum"]) == (1, 500)
    assert (fields["discount"]["minimum"], fields["discount"]["exclusiveMaximum"]) == (0, 1)


def test_constraints_annotated_on_an_input_are_in_its_schema_as_pydantic_words_them():
    props = place.native_interface.json_schema["properties"]
    assert props["copies"] == {"type": "integer", "minimum": 1, "maximum": 10, "description": "how many"}
    assert props["code"] == {"type": "string", "minLength": 4, "pattern": "^[a-z]+$"}
    # the same MinLen/MaxLen are minItems/maxItems on a list
    assert props["weights"] == {"type": "array", "items": {"type": "number", "format": "float"},
                                "minItems": 1, "maxItems": 3}
    assert props["level"] == {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 5}


def test_constraints_reach_an_optional_inputs_schema_from_inside_or_outside_the_optional():
    props = place.native_interface.json_schema["properties"]
    assert props["note"] == {"type": "string", "maxLength": 20}
    assert props["ref"] == {"type": "string", "pattern": "^ref-"}


def test_a_pickled_input_names_its_class():
    props = place.native_interface.json_schema["properties"]
    assert props["blob"]["python_class_name"] == str(Opaque)
    assert props["blob"]["format"] == "union"  # a pickle is a file or inline bytes
    assert props["blobs"]["items"]["python_class_name"] == str(Opaque)


def test_constraints_leave_the_literal_type_and_plain_annotations_alone():
    from flyte.types import TypeEngine

    bounded = TypeEngine.to_literal_type(Annotated[int, pydantic.Field(ge=3)])
    plain = TypeEngine.to_literal_type(int)
    assert bounded.simple == plain.simple and not plain.HasField("metadata")  # the shared int type is not touched
    assert TypeEngine.guess_python_type(bounded) is int
    noted = TypeEngine.to_literal_type(Annotated[int, "a note, not a constraint"])
    assert noted == plain


def test_an_annotated_input_still_validates_and_runs():
    flyte.init()
    run = flyte.run(place, Order(sku="AB-1", quantity=2), weights=[0.5], copies=3)
    assert run.outputs()[0] == "AB-1"


# -- a dataclass input's schema stands alone inside the interface's -------------------------------


@dataclasses.dataclass
class Dimensions:
    width: int
    shade: Colour = Colour.BLUE


@dataclasses.dataclass
class Parcel:
    size: Dimensions
    fragile: bool = False
    extras: Optional[list[Dimensions]] = None


@env.task
def ship(parcel: Parcel, tint: Colour = Colour.RED) -> int:
    return parcel.size.width


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolves(root: dict, ref: str) -> bool:
    node = root
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_a_dataclass_inputs_nested_classes_are_written_out_so_no_reference_dangles():
    schema = ship.native_interface.json_schema
    assert [ref for ref in _refs(schema) if not _resolves(schema, ref)] == []
    parcel = schema["properties"]["parcel"]
    assert "$defs" not in parcel
    size = parcel["properties"]["size"]
    assert size["type"] == "object" and size["required"] == ["width"]
    assert size["properties"]["shade"]["enum"] == ["red", "blue"]
    assert size["properties"]["shade"]["default"] == "blue"  # the field's own keys are kept
    extras = parcel["properties"]["extras"]["anyOf"][0]
    assert extras["type"] == "array" and extras["items"]["properties"]["width"]["type"] == "integer"


# -- a dataclass is described as the SDK describes it (mashumaro's words, not pydantic's) ------------


class Grade(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Sensor(pydantic.BaseModel):
    serial: int = pydantic.Field(ge=0)


@dataclasses.dataclass
class Probe:
    reach: int
    depth: Annotated[int, pydantic.Field(ge=1)] = 2
    grade: Grade = Grade.HIGH


@dataclasses.dataclass
class Kit:
    probe: Probe
    sensor: Sensor


def _input_schema(tp: object) -> dict:
    import inspect

    return NativeInterface(inputs={"x": (tp, inspect.Parameter.empty)}, outputs={}).json_schema["properties"]["x"]


def test_a_dataclass_fields_have_no_titles_and_its_enums_list_their_values_only():
    probe = _input_schema(Probe)
    assert probe["dataclass"] == "Probe" and probe["required"] == ["reach"]
    assert probe["properties"]["reach"] == {"type": "integer"}
    # pydantic's constraints in Annotated are not part of a dataclass's schema in the SDK
    assert probe["properties"]["depth"] == {"type": "integer", "default": 2}
    assert probe["properties"]["grade"] == {"enum": ["low", "high"], "default": "high"}
    assert "additionalProperties" not in probe  # the input itself is left open, as in the SDK


def test_a_nested_dataclass_is_closed_and_a_nested_model_keeps_pydantics_description():
    kit = _input_schema(Kit)
    probe, sensor = kit["properties"]["probe"], kit["properties"]["sensor"]
    assert probe["additionalProperties"] is False and probe["title"] == "Probe"
    assert "title" not in probe["properties"]["reach"]
    assert sensor["title"] == "Sensor" and sensor["properties"]["serial"] == {
        "type": "integer", "minimum": 0, "title": "Serial"}


def test_a_pydantic_dataclass_with_a_field_default_is_refused_as_the_sdk_refuses_it():
    @pydantic.dataclasses.dataclass
    class Bounded:
        n: int = pydantic.Field(ge=3)

    try:
        _input_schema(Bounded)
    except ValueError as e:
        assert str(e) == "Unexpected type"
    else:
        raise AssertionError("the SDK cannot describe this class, and neither must we")
