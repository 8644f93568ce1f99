"""`NativeInterface.json_schema` of ours next to the real SDK's, one input shape at a time.

    python scripts/compare_json_schema.py [--ref-python /work/refvenvs/flyte2/bin/python] [--show NAME]

The same program (below, `PROBE`) runs under the real SDK's interpreter and under ours (this
repository first on PYTHONPATH), in the same run. For each input type it prints the schema both
emit for a task taking one input of that type; a case is "same" when the two are equal as JSON.
Where they differ, each differing path is listed (`--show NAME` prints both schemas in full).
The real SDK is the oracle here: it decides what a form or a tool-calling model is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REF_PYTHON = "/work/refvenvs/flyte2/bin/python"

PROBE = r'''
import dataclasses, datetime, enum, inspect, json, typing
from typing import Annotated, Dict, List, Optional, Union

import pydantic
from pydantic import BaseModel, Field, StringConstraints, conint

from flyte.models import NativeInterface


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


class Part(BaseModel):
    serial: int = Field(ge=0)


class Order(BaseModel):
    sku: str = Field(min_length=3, pattern=r"^[A-Z]+$", description="stock unit")
    quantity: int = Field(ge=1, le=500, default=1)
    discount: Optional[float] = Field(default=None, ge=0, lt=1)
    tags: List[str] = Field(default_factory=list, max_length=4)
    shade: Shade = Shade.LIGHT
    placed: datetime.datetime = Field(default_factory=datetime.datetime.now)
    channel: typing.Literal["web", "shop"] = "web"
    weight: int = Field(default=1, json_schema_extra={"x-unit": "kg"})
    code: Annotated[str, StringConstraints(max_length=6)] = "A"
    level: conint(ge=2) = 2


class Assembly(BaseModel):
    main: Part
    spares: List[Part] = []
    by_bin: Dict[str, Part] = {}


@dataclasses.dataclass
class Box:
    width: int
    label: str = "box"
    depth: Annotated[int, Field(ge=1)] = 2
    sizes: List[int] = dataclasses.field(default_factory=list)
    ratio: Optional[float] = None
    shade: Shade = Shade.DARK


@dataclasses.dataclass
class Crate:
    box: Box
    part: Part


@pydantic.dataclasses.dataclass
class Checked:
    n: int = Field(ge=3)


class Opaque:
    pass


CASES = {
    "model with constrained fields": Order,
    "model with nested models": Assembly,
    "dataclass": Box,
    "dataclass with nested dataclass and model": Crate,
    "pydantic dataclass": Checked,
    "pickled class": Opaque,
    "list of pickled": List[Opaque],
    "optional pickled": Optional[Opaque],
    "Annotated int Field(ge)": Annotated[int, Field(ge=3)],
    "Annotated str Field(min_length, description, title)": Annotated[str, Field(min_length=2, description="d", title="T")],
    "Annotated float Field(gt, le)": Annotated[float, Field(gt=0.5, le=9)],
    "Annotated list Field(max_length)": Annotated[List[int], Field(max_length=3)],
    "Optional of Annotated": Optional[Annotated[int, Field(le=7)]],
    "Annotated of Optional": Annotated[Optional[str], Field(pattern="^a")],
    "Annotated union": Annotated[Union[int, str], Field(description="either")],
    "StringConstraints": Annotated[str, StringConstraints(min_length=1, to_lower=True)],
    "conint": conint(ge=1, lt=5),
    "Annotated model": Annotated[Part, Field(description="a part")],
    "Annotated dataclass": Annotated[Box, Field(description="a box")],
    "Field(examples, json_schema_extra)": Annotated[int, Field(examples=[1, 2], json_schema_extra={"x": 1})],
    "Annotated with a plain string": Annotated[int, "a note"],
    "list of models": List[Part],
    "dict of models": Dict[str, Part],
}

out = {}
for name, tp in CASES.items():
    iface = NativeInterface(inputs={"x": (tp, inspect.Parameter.empty)}, outputs={})
    try:
        out[name] = iface.json_schema["properties"]["x"]
    except Exception as e:
        out[name] = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps(out))
'''


def run_probe(python: str, pythonpath: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["FLYTE_DISABLE_SENTRY"] = "true"
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        raise SystemExit(f"the probe failed under {python}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def differences(real: Any, ours: Any, path: str = "") -> list[str]:
    if isinstance(real, dict) and isinstance(ours, dict):
        found = []
        for key in sorted(set(real) | set(ours)):
            here = f"{path}/{key}"
            if key not in ours:
                found.append(f"{here}: only the real SDK's ({json.dumps(real[key])[:100]})")
            elif key not in real:
                found.append(f"{here}: only ours ({json.dumps(ours[key])[:100]})")
            else:
                found += differences(real[key], ours[key], here)
        return found
    if real != ours or type(real) is not type(ours):
        return [f"{path or '/'}: real {json.dumps(real)[:100]}, ours {json.dumps(ours)[:100]}"]
    return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref-python", default=DEFAULT_REF_PYTHON, help="interpreter with the real flyte 2.12.1")
    ap.add_argument("--python", default=sys.executable, help="interpreter for our side (this repository goes first)")
    ap.add_argument("--show", action="append", default=[], help="print both schemas of this case in full")
    args = ap.parse_args()

    real = run_probe(args.ref_python, None)
    ours = run_probe(args.python, str(REPO))
    same = 0
    for name in real:
        diff = differences(real[name], ours.get(name))
        same += not diff
        print(f"{'same' if not diff else 'DIFF'}  {name}")
        for line in diff:
            print(f"        {line}")
        if name in args.show:
            print(f"        real: {json.dumps(real[name], sort_keys=True)}\n        ours: {json.dumps(ours.get(name), sort_keys=True)}")
    print(f"\n{same} of {len(real)} input shapes: the same json_schema as the real SDK")


if __name__ == "__main__":
    main()
