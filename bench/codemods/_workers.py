"""The worker scripts the corpus benches run under the real SDKs, and how they are started.

`DISCOVER_AND_RUN` runs under the real flytekit: it imports one module (its first argument is
the `sys.path` entries to prepend, joined by `os.pathsep`) and runs every workflow and launch
plan of it that needs no inputs (or whose inputs are given), printing one JSON line per entry.
`RUN_MIGRATED` runs under the real flyte 2: `flyte.run()` of the migrated entry of the same name
with the same inputs. Both normalise values with the same `norm` so that they compare equal.
They import nothing from this repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

# Both sides compare values the same way: one normaliser, pasted into each worker script.
NORM = textwrap.dedent(
    r'''
    def norm(v):
        if isinstance(v, dict): return {str(k): norm(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)): return [norm(x) for x in v]
        if type(v).__name__ == "FlyteIterator": return [norm(x) for x in v]  # flytekit's lazy view of a list output
        if isinstance(v, float): return round(v, 6)
        if type(v).__name__ in ("FlyteFile", "File", "FlyteDirectory", "Dir", "StructuredDataset") or (type(v).__name__ == "DataFrame" and type(v).__module__.startswith("flyte")):
            return "<" + {"FlyteFile": "File", "FlyteDirectory": "Dir", "StructuredDataset": "DataFrame"}.get(type(v).__name__, type(v).__name__) + ">"
        if hasattr(v, "__dataclass_fields__"): return {k: norm(getattr(v, k)) for k in v.__dataclass_fields__}
        if hasattr(v, "model_dump"): return {k: norm(getattr(v, k)) for k in type(v).model_fields}
        if type(v).__name__ == "DataFrame" and hasattr(v, "to_dict"): return norm(v.to_dict(orient="list"))
        if isinstance(v, (str, int, bool)) or v is None: return v
        return "<" + type(v).__name__ + ">"
    '''
).strip()

DISCOVER_AND_RUN = textwrap.dedent(
    r'''
    import asyncio, contextlib, importlib, inspect, io, json, os, sys, datetime
    sys.path[:0] = sys.argv[1].split(os.pathsep)
    known = json.loads(sys.argv[3])
    {norm}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            mod = importlib.import_module(sys.argv[2])
    except BaseException as e:
        print(json.dumps({"import_error": type(e).__name__ + ": " + str(e)[:200]})); sys.exit(0)
    import flytekit
    from flytekit.core.workflow import WorkflowBase
    from flytekit.core.launch_plan import LaunchPlan
    for name, obj in sorted(vars(mod).items()):
        if getattr(obj, "__module__", None) not in (mod.__name__, None) and not isinstance(obj, LaunchPlan): continue
        if not isinstance(obj, (WorkflowBase, LaunchPlan)): continue
        if isinstance(obj, LaunchPlan) and obj.name == getattr(obj.workflow, "name", None): continue
        key = sys.argv[2] + ":" + name
        inputs = known.get(key)
        if inputs is None:
            iface = obj.python_interface if isinstance(obj, WorkflowBase) else obj.workflow.python_interface
            required = [k for k in iface.inputs if k not in (iface.default_inputs_as_kwargs or {})]
            if isinstance(obj, LaunchPlan):
                required = [k for k in required if k not in obj.parameters.parameters or obj.parameters.parameters[k].required]
                required = [k for k in required if k not in (obj.fixed_inputs.literals if obj.fixed_inputs else {})]
            if required:
                print(json.dumps({"entry": name, "skipped": "needs inputs: " + ", ".join(required)}), flush=True)
                continue
            inputs = {}
        out = {"entry": name, "inputs": inputs}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                v = obj(**inputs)
                if inspect.iscoroutine(v): v = asyncio.run(v)
            out["value"] = norm(v)
        except BaseException as e:
            out["raises"] = type(e).__name__; out["message"] = str(e)[-200:]
        print(json.dumps(out), flush=True)
    '''
).replace("{norm}", NORM)

RUN_MIGRATED = textwrap.dedent(
    r'''
    import contextlib, importlib, io, json, os, sys
    sys.path[:0] = sys.argv[1].split(os.pathsep)
    entries = json.loads(sys.argv[3])
    {norm}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import flyte
            flyte.init()
            mod = importlib.import_module(sys.argv[2])
    except BaseException as e:
        for entry in entries:
            print(json.dumps({"entry": entry["entry"], "raises": "import " + type(e).__name__, "message": str(e)[:200]}))
        sys.exit(0)
    for entry in entries:
        out = {"entry": entry["entry"]}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                outputs = flyte.run(getattr(mod, entry["entry"]), **entry["inputs"]).outputs()
                v = outputs[0] if len(outputs) == 1 else tuple(outputs)
            out["value"] = norm(v)
        except BaseException as e:
            out["raises"] = type(e).__name__; out["message"] = str(e)[-200:]
        print(json.dumps(out), flush=True)
    '''
).replace("{norm}", NORM)


def reference_env(home: str) -> dict:
    """The environment of a reference interpreter: this one's, less anything that could make it
    import another copy of `flyte` or `flytekit` than its own (PYTHONPATH pointing at a checkout of
    this project, whose `flyte/` and `flytekit/` directories would shadow the real packages)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH")}
    env.update({"HOME": home, "FLYTE_DISABLE_SENTRY": "true", "FLYTE_LOCAL_CACHE_ENABLED": "false", "FLYTE_SDK_RICH_TRACEBACKS": "0"})
    return env


def check_reference(python: str, module: str) -> str:
    """Exit unless `python` imports `module` from its own installation; returns its version."""
    probe = f"import sys, {module} as m, importlib.metadata as md; print(m.__file__.startswith(sys.prefix), md.version('{module}'))"
    proc = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=reference_env(os.environ.get("HOME", "/")), cwd="/", stdin=subprocess.DEVNULL)
    inside, _, version = proc.stdout.strip().partition(" ")
    if proc.returncode or inside != "True":
        raise SystemExit(f"error: {python} does not import its own {module} ({proc.stdout.strip() or proc.stderr.strip()[-300:]})")
    return version


def run(python: str, script: str, args: list, cwd: str, home: str, timeout: int = 240) -> list:
    env = reference_env(home)
    try:
        proc = subprocess.run([python, "-c", script, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return [{"timeout": True}]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not rows and proc.returncode:
        # a crash before any result: say where it died
        last = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        rows = [{"crash": last[0][:300]}]
    return rows
