"""`task.native_interface.json_schema`: a task's inputs as one JSON schema object, built from each
input's Flyte literal type the way the SDK builds it (inputs with a default are not required;
a model's fields with a default are not required either)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from typing import Optional, Union

import pydantic

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
