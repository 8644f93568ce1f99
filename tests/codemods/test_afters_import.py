"""Every fixture's after.py is valid Flyte 2 code: it compiles, defines every name it uses, and
imports, here (on this repository's runtime) and on the real `flyte` SDK when one is at hand.

The real SDK is found at $FLYTE2_PYTHON or /work/refvenvs/flyte2/bin/python (a virtualenv with
the real `flyte` 2.x installed); CI has neither, so that test is skipped there with the reason.
An after.py that keeps a flytekit import on purpose (a construct with no Flyte 2 counterpart,
with its TODO) cannot import where flytekit is absent, and is only compiled there.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ._fixtures import Case, load_cases

CASES = load_cases()
IDS = [c.name for c in CASES]
REAL_SDK = os.environ.get("FLYTE2_PYTHON", "/work/refvenvs/flyte2/bin/python")


def _keeps_flytekit(case: Case) -> bool:
    tree = ast.parse(case.after.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("flytekit", "flytekitplugins"):
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in ("flytekit", "flytekitplugins") for a in node.names):
            return True
    return False


def _undefined_module_names(source: str) -> set[str]:
    """Names read at module level or in annotations/defaults that nothing binds (a lost import)."""
    tree = ast.parse(source)
    bound = set(dir(builtins)) | {"__file__", "__name__"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used - bound


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_after_compiles_and_imports_here(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    source = case.after.read_text()
    compile(source, str(case.after), "exec")
    assert _undefined_module_names(source) == set()
    if "await" in source:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for default in [*node.args.defaults, *node.args.kw_defaults]:
                    assert default is None or not any(isinstance(n, ast.Await) for n in ast.walk(default)), case.name
    if _keeps_flytekit(case):
        return  # kept flytekit constructs (with their TODOs) need flytekit to import
    monkeypatch.chdir(case.dir)
    name = f"_fm_import_{case.name}"
    spec = importlib.util.spec_from_file_location(name, case.after)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)


_IMPORT_ON_SDK = r"""
import importlib.util, json, os, sys
out = {}
for name, path in json.loads(sys.argv[1]).items():
    os.chdir(os.path.dirname(path))
    try:
        spec = importlib.util.spec_from_file_location("_fm_" + name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        out[name] = None
    except BaseException as e:
        out[name] = type(e).__name__ + ": " + str(e)[:300]
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.path.exists(REAL_SDK), reason=f"no real flyte SDK at {REAL_SDK} (set FLYTE2_PYTHON to a python that has it)")
def test_afters_import_on_the_real_sdk(tmp_path: Path) -> None:
    cases = {c.name: str(c.after) for c in CASES if not _keeps_flytekit(c)}
    env = {**os.environ, "HOME": str(tmp_path), "FLYTE_DISABLE_SENTRY": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([REAL_SDK, "-c", _IMPORT_ON_SDK, json.dumps(cases)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    failed = {name: err for name, err in results.items() if err is not None}
    assert failed == {}
    assert len(results) == len(cases) >= 30

