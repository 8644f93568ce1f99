"""Run one fixture's entry points and print their results as JSON (one line per run).

Used by bench/codemods/differential.py with a *foreign* interpreter: the real flytekit 1.16.31
venv for before.py files, the real flyte 2.12.1 venv for after.py files. It imports nothing from
this repository, so it works in either venv.

    python run_case.py before|after FIXTURE_DIR
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import inspect
import io
import json
import os
import sys
from pathlib import Path


def normalize(value):
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if type(value).__name__ == "FlyteIterator":  # flytekit's lazy view of a list output
        return [normalize(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    if type(value).__name__ == "DataFrame" and hasattr(value, "to_dict"):
        return normalize(value.to_dict(orient="list"))
    if type(value).__name__ in ("File", "FlyteFile", "Dir", "FlyteDirectory"):
        return {"path_basename": Path(str(getattr(value, "path", value))).name}
    if hasattr(value, "__dataclass_fields__"):
        return {k: normalize(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def decode(value):
    """JSON inputs with a few tagged types: {"__datetime__": "2024-01-02T03:04:05"}."""
    if isinstance(value, dict):
        if set(value) == {"__datetime__"}:
            import datetime

            return datetime.datetime.fromisoformat(value["__datetime__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def load(path: Path, name: str):
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def error_name(err: BaseException) -> str:
    code = getattr(err, "code", None)
    return code if isinstance(code, str) and code else type(err).__name__


def main() -> None:
    mode, fixture = sys.argv[1], Path(sys.argv[2]).resolve()
    case = json.loads((fixture / "case.json").read_text())
    os.chdir(fixture)
    module = load(fixture / f"{mode}.py", f"fixture_{fixture.name}_{mode}")
    if mode == "after":
        import flyte

        flyte.init()  # what a Flyte 2 script does first (File.from_local needs it even locally)
    for run in case.get("runs", []):
        entry = getattr(module, run["entry"])
        inputs = decode(run.get("inputs", {}))
        out = {"entry": run["entry"]}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                if mode == "before":
                    value = entry(**inputs)
                    if inspect.iscoroutine(value):
                        value = asyncio.run(value)
                else:
                    import flyte

                    outputs = flyte.run(entry, **inputs).outputs()
                    value = outputs[0] if len(outputs) == 1 else tuple(outputs)
            out["value"] = normalize(value)
        except BaseException as err:
            out["raises"] = error_name(err)
            out["message"] = str(err)[-300:]
        print(json.dumps(out, default=repr), flush=True)


if __name__ == "__main__":
    main()
