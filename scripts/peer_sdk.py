"""Peer suite: the real `flyte` SDK's own unit tests, run against the real SDK and against ours.

    python scripts/peer_sdk.py [--mirror DIR] [--ref-python PY] [--json out.json] [--md out.md]

The tests are third-party code: they are extracted from the flyte-sdk mirror into a temporary
directory (never into this repository), at a pinned commit so that the selection stays the same
whichever checkout the mirror holds. Every test file runs in its own pytest process, once with
the real SDK (`--ref-python`, flyte 2.12.1) and once with this project's `flyte` (the
interpreter running this script, with this repository first on PYTHONPATH), in the same run.

Each test function is classified statically, from its source:

- *subsystem*: it uses a part of the SDK this project does not provide (apps, AI agents,
  connectors, the SDK's click CLI objects, ...);
- *backend*: it needs a Flyte control plane (gRPC/connect clients, `flyte.remote`, deploy,
  image builds, remote mode, integration marks);
- *private*: it reaches into the SDK's private modules or attributes (`flyte._internal`,
  `flyte._context`, `flyte.types._type_engine.DictTransformer`, `TypeEngine._REGISTRY`,
  patches of `flyte._...` paths). A name imported from a private module that the SDK also
  exports publicly (`from flyte._image import Image` is `flyte.Image`) is not private: in the
  staged copy that import is rewritten to the public path (both sides), and private imports the
  selected tests do not use are guarded, so the rest of the module still imports;
- *public*: everything else. These are compared. A public test that fails on the real SDK (the
  mirror is newer than 2.12.1) leaves the denominator.

Our side uses a conftest of its own instead of the SDK's (which imports private modules): it
gives the same public fixtures and isolates the metadata store per test.

Both environments need the third-party packages the tests import: `pip install '.[conformance]'`
here, and in the real SDK's environment the SDK's own test dependencies that its wheel does not
bring (`pip install mock pytest-asyncio pytest-timeout kubernetes orjson pandas pyarrow
pydantic-monty==1.0.0`, the version 2.12.1's `sandbox` extra pins).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = Path("/work/.mirror/flyteorg+flyte-sdk/repo")
DEFAULT_REF_PYTHON = "/work/refvenvs/flyte2/bin/python"
# flyte-sdk HEAD when this suite was first measured (2026-08-21); the selection is made from it.
PINNED_COMMIT = "7e2d4231b5598b856584a8cc819c990ff02dcf2a"

SUBSYSTEMS = {
    "flyte.app": "apps (served by a backend)",
    "flyte.ai": "AI agents / chat apps",
    "flyte.connectors": "connectors (a backend service)",
    "flyte.prefetch": "model prefetch (remote storage)",
    "flyte.clustered": "clustered tasks (multi-pod)",
    "flyte.cli": "the SDK's click CLI objects",
    "flyte.extend": "plugin extension points (flyte.extend)",
}
# Third-party modules that only a backend client needs (kubernetes is not one: PodTemplate takes
# its model classes, which are plain Python objects).
BACKEND_MODULES = {
    "connectrpc": "connect RPC client",
    "grpc": "gRPC client",
    "httpx": "HTTP client to the control plane",
    "docker": "docker daemon",
    "keyring": "credential keyring",
    "flyte.remote": "flyte.remote (control-plane objects)",
}
BACKEND_CALLS = {
    "deploy": "flyte.deploy", "build": "flyte.build (image build)", "build_images": "flyte.build_images",
    "serve": "flyte.serve", "with_servecontext": "flyte.with_servecontext", "init_from_api_key": "init_from_api_key",
    "init_in_cluster": "init_in_cluster", "init_passthrough": "init_passthrough",
}
BACKEND_MARKS = {"integration", "apps", "gpu", "external", "stress", "secrets", "sandbox"}
# Single-underscore attributes that belong to Python or the standard library, not to the SDK.
STDLIB_PRIVATE_ATTRS = {
    "_fields", "_asdict", "_replace", "_make", "_field_defaults", "_exit", "_getframe", "_value_", "_name_",
    "_missing_", "_member_map_", "_member_names_", "_generate_next_value_", "_current_frames", "_clear_type_cache",
    "_debug", "_mock_children", "_mock_return_value", "_mock_side_effect", "_mock_methods", "_mock_call_args",
    "_mock_name", "_spec_class", "_pytest", "_fixture_defs",
}
PYTEST_FIXTURES = {
    "tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory", "monkeypatch", "capsys", "capfd", "capsysbinary",
    "capfdbinary", "caplog", "request", "recwarn", "pytestconfig", "record_property", "record_testsuite_property",
    "testdir", "pytester", "cache", "doctest_namespace", "event_loop", "subtests",
}

PRIORITY = ("subsystem", "backend", "private")


def is_private_path(dotted: str) -> bool:
    return any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in dotted.split("."))


def is_private_name(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass
class Binding:
    """A name bound by an import: `qualname` is the module, or module.attribute."""

    local: str
    module: str
    attr: Optional[str]
    imported: str

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.attr}" if self.attr else self.module


@dataclass
class Refs:
    """What a piece of code refers to, and why it could not run on a local, public-API runtime."""

    names: set[str] = field(default_factory=set)
    # kind -> reasons in the order they were found (a dict as an ordered set)
    reasons: dict[str, dict[str, None]] = field(default_factory=lambda: {k: {} for k in PRIORITY})

    def add(self, kind: str, reason: str) -> None:
        self.reasons[kind].setdefault(reason, None)

    def merge(self, other: Refs) -> None:
        self.names |= other.names
        for k, v in other.reasons.items():
            self.reasons[k].update(v)


@dataclass
class TestItem:
    file: str          # relative to the tests root, e.g. "flyte/test_models.py"
    name: str          # "test_x" or "TestX::test_y"
    category: str      # "public" | "subsystem" | "backend" | "private"
    reason: str        # the first reason of the category ("" for public)


class ModuleScan:
    """Static facts about one test module: its imports, module-level definitions and tests."""

    def __init__(self, path: Path, rel: str, aliases: dict[str, Optional[str]]):
        self.path, self.rel, self.aliases = path, rel, aliases
        self.source = path.read_text(encoding="utf-8", errors="replace")
        self.tree = ast.parse(self.source)
        self.future_annotations = any(
            isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
            for n in self.tree.body
        )
        self.bindings: dict[str, Binding] = {}
        for node in ast.walk(self.tree):
            for b in import_bindings(node):
                self.bindings.setdefault(b.local, b)
        self.defs: dict[str, ast.AST] = {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            self.defs.setdefault(n.id, node)
        self._def_refs: dict[str, Refs] = {}

    # -- references ---------------------------------------------------------------------------

    def binding_reasons(self, b: Binding, refs: Refs) -> None:
        q = b.qualname
        for prefix, why in SUBSYSTEMS.items():
            if q == prefix or q.startswith(prefix + "."):
                refs.add("subsystem", why)
        root = b.module.split(".")[0]
        for prefix, why in BACKEND_MODULES.items():
            if q == prefix or q.startswith(prefix + "."):
                refs.add("backend", why)
        if root == "flyteidl2" and re.search(r"(service|_connect|_grpc)", q):
            refs.add("backend", "control-plane service messages (flyteidl2 *service*)")
        if root == "flyte" and is_private_path(q) and not self.aliases.get(q):
            refs.add("private", f"uses {q}")

    def refs_of(self, nodes: Iterable[ast.AST]) -> Refs:
        refs = Refs()
        for top in nodes:
            for node in ast.walk(top):
                self._scan_node(node, refs)
        return refs

    def _scan_node(self, node: ast.AST, refs: Refs) -> None:
        if isinstance(node, ast.Name):
            refs.names.add(node.id)
            b = self.bindings.get(node.id)
            if b is not None:
                self.binding_reasons(b, refs)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for b in import_bindings(node):
                self.binding_reasons(b if b.attr else Binding(b.local, b.imported, None, b.imported), refs)
        elif isinstance(node, ast.Attribute):
            if is_private_name(node.attr) and node.attr not in STDLIB_PRIVATE_ATTRS:
                root = attr_root(node)
                if root not in ("self", "cls"):
                    b = self.bindings.get(root or "")
                    where = b.qualname if b else (root or "an object")
                    refs.add("private", f"private attribute {where}...{node.attr}")
            chain = dotted(node)
            if chain:
                root_b = self.bindings.get(chain.split(".")[0])
                if root_b is not None:
                    full = root_b.qualname + chain[len(chain.split(".")[0]):]
                    if root_b.module.split(".")[0] == "flyte":
                        for prefix, why in SUBSYSTEMS.items():
                            if full.startswith(prefix + ".") or full == prefix:
                                refs.add("subsystem", why)
                        if full.startswith("flyte.remote.") or full == "flyte.remote":
                            refs.add("backend", BACKEND_MODULES["flyte.remote"])
                        last = full.rsplit(".", 1)[-1]
                        if full.startswith("flyte.") and full.count(".") == 1 and last in BACKEND_CALLS:
                            refs.add("backend", BACKEND_CALLS[last])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            s = node.value
            m = re.search(r"\bflyte(?:\.\w+)*\.(_\w+)", s)
            if m and " " not in s.strip():
                refs.add("private", f"patches {s}")
            elif re.match(r"^flyte\.remote\b", s):
                refs.add("backend", BACKEND_MODULES["flyte.remote"])
        elif isinstance(node, ast.Call):
            self._scan_call(node, refs)

    def _scan_call(self, node: ast.Call, refs: Refs) -> None:
        name = dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1]
        # patch.object(x, "_attr"), monkeypatch.setattr(x, "_attr", ...), getattr(x, "_attr")
        if last in ("object", "setattr", "getattr", "hasattr", "delattr") and len(node.args) >= 2:
            a = node.args[1]
            if isinstance(a, ast.Constant) and isinstance(a.value, str) and is_private_name(a.value):
                refs.add("private", f"patches or reads the private attribute {a.value}")
        b = self.bindings.get(name.split(".")[0]) if name else None
        full = (b.qualname + name[len(name.split(".")[0]):]) if b else name
        if full in ("flyte.init", "flyte.init_from_config", "flyte.with_runcontext") or last == "init":
            for kw in node.keywords:
                if kw.arg in ("endpoint", "api_key") and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is None
                ):
                    refs.add("backend", f"{full}({kw.arg}=...)")
        for kw in node.keywords:
            if kw.arg == "mode" and isinstance(kw.value, ast.Constant) and kw.value.value in ("remote", "hybrid"):
                refs.add("backend", f"mode={kw.value.value!r}")
        if full.startswith("flyte.") and full.count(".") == 1 and last in BACKEND_CALLS:
            refs.add("backend", BACKEND_CALLS[last])

    def marks_of(self, node: ast.AST) -> set[str]:
        marks: set[str] = set()
        for dec in getattr(node, "decorator_list", []):
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = dotted(target) or ""
            if name.startswith("pytest.mark."):
                marks.add(name.split(".")[2])
        return marks

    def import_time_nodes(self, body: list[ast.stmt]) -> Iterator[ast.AST]:
        """The parts of a module or class body that run when it is imported (not function bodies,
        not the imports themselves, which the staged copy guards)."""
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from node.decorator_list
                yield from node.args.defaults
                yield from (d for d in node.args.kw_defaults if d is not None)
                if not self.future_annotations:
                    yield from (a.annotation for a in all_args(node.args) if a.annotation is not None)
                    if node.returns is not None:
                        yield node.returns
            elif isinstance(node, ast.ClassDef):
                yield from node.decorator_list
                yield from node.bases
                yield from (k.value for k in node.keywords)
                yield from self.import_time_nodes(node.body)
            elif isinstance(node, ast.If) and dotted(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                continue
            else:
                yield node

    def def_refs(self, name: str, seen: Optional[set[str]] = None) -> Refs:
        """References of a module-level definition, following the definitions it uses."""
        if name in self._def_refs:
            return self._def_refs[name]
        seen = set() if seen is None else seen
        seen.add(name)
        node = self.defs[name]
        refs = self.refs_of([node])
        for other in sorted(refs.names & set(self.defs)):
            if other not in seen:
                refs.merge(self.def_refs(other, seen))
        if len(seen) == 1:
            self._def_refs[name] = refs
        return refs

    def module_refs(self) -> Refs:
        return self.refs_of(self.import_time_nodes(self.tree.body))

    # -- tests ----------------------------------------------------------------------------------

    def tests(self) -> Iterator[tuple[str, ast.AST, Optional[ast.ClassDef]]]:
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                yield node.name, node, None
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for sub in node.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub.name.startswith("test"):
                        yield f"{node.name}::{sub.name}", sub, node


def all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def import_bindings(node: ast.AST) -> list[Binding]:
    """Names an import statement binds. `import a.b.c` binds `a` (to module `a`) but imports
    `a.b.c`, which `Binding.imported` keeps."""
    if isinstance(node, ast.Import):
        return [Binding(a.asname, a.name, None, a.name) if a.asname else
                Binding(a.name.split(".")[0], a.name.split(".")[0], None, a.name) for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [Binding(a.asname or a.name, node.module, a.name, f"{node.module}.{a.name}")
                for a in node.names if a.name != "*"]
    return []


def dotted(node: ast.AST) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def attr_root(node: ast.AST) -> Optional[str]:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


# -- conftest fixtures ------------------------------------------------------------------------------


def fixture_defs(scan: ModuleScan) -> dict[str, tuple[ast.AST, bool]]:
    """Fixtures defined at module level (or in a class): name -> (node, autouse)."""
    out: dict[str, tuple[ast.AST, bool]] = {}
    for node in ast.walk(scan.tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = dotted(target) or ""
            if name.split(".")[-1] == "fixture":
                autouse = isinstance(dec, ast.Call) and any(
                    k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value for k in dec.keywords
                )
                out[node.name] = (node, autouse)
    return out


# -- classification ---------------------------------------------------------------------------------


def test_files(tests_root: Path) -> list[Path]:
    files = [p for p in tests_root.rglob("*.py") if p.name.startswith("test_") or p.name.endswith("_test.py")]
    return sorted(files)


def private_imports(tests_root: Path) -> set[str]:
    """Every `flyte` qualified name the tests import from a private module."""
    names: set[str] = set()
    for path in [*test_files(tests_root), tests_root / "conftest.py"]:
        if not path.exists():
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            for b in import_bindings(node):
                if b.module.split(".")[0] == "flyte" and b.attr and is_private_path(b.qualname):
                    names.add(b.qualname)
    return names


ALIAS_PROBE = r"""
import importlib, json, sys, types
PUBLIC = ["flyte", "flyte.io", "flyte.models", "flyte.types", "flyte.errors", "flyte.report", "flyte.durable",
          "flyte.storage", "flyte.syncify", "flyte.config", "flyte.notify", "flyte.sandbox", "flyte.git",
          "flyte.extras", "flyte.artifacts", "flyte.remote"]
spaces = []
for m in PUBLIC:
    try:
        mod = importlib.import_module(m)
    except Exception:
        continue
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    spaces.append((m, mod, names))
out = {}
for q in json.load(sys.stdin):
    module, _, attr = q.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except Exception:
        out[q] = None
        continue
    found = None
    if isinstance(obj, (type, types.FunctionType, types.ModuleType)) or callable(obj):
        for m, mod, names in spaces:
            if attr in names and getattr(mod, attr, None) is obj:
                found = f"{m}.{attr}"
                break
    out[q] = found
json.dump(out, sys.stdout)
"""


def resolve_aliases(ref_python: str, qualnames: set[str]) -> dict[str, Optional[str]]:
    """For each private `module.name`, the public path where the real SDK exports the same object
    under the same name (or None). Asked of the real SDK, so it is a fact of 2.12.1."""
    proc = subprocess.run([ref_python, "-c", ALIAS_PROBE], input=json.dumps(sorted(qualnames)), capture_output=True,
                          text=True, env={**os.environ, "FLYTE_DISABLE_SENTRY": "true"}, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        raise SystemExit(f"could not ask the real SDK for public aliases:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def classify(tests_root: Path, aliases: dict[str, Optional[str]]) -> tuple[list[TestItem], dict[str, ModuleScan]]:
    conftest = ModuleScan(tests_root / "conftest.py", "conftest.py", aliases)
    conftest_fixtures = fixture_defs(conftest)
    items: list[TestItem] = []
    scans: dict[str, ModuleScan] = {}
    for path in test_files(tests_root):
        rel = path.relative_to(tests_root).as_posix()
        try:
            scan = ModuleScan(path, rel, aliases)
        except SyntaxError as e:
            print(f"warning: {rel}: {e}", file=sys.stderr)
            continue
        scans[rel] = scan
        module_refs = scan.module_refs()
        fixtures = fixture_defs(scan)
        module_autouse = [n for n, (node, auto) in fixtures.items() if auto]
        for name, node, cls in scan.tests():
            refs = Refs()
            refs.merge(scan.refs_of([node]))
            if cls is not None:
                refs.merge(scan.refs_of(m for m in cls.body if not (
                    isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name.startswith("test"))))
                refs.merge(scan.refs_of(cls.decorator_list))
            wanted = {a.arg for a in all_args(node.args)} | set(module_autouse)
            for dec in node.decorator_list:  # @pytest.mark.usefixtures("x")
                if isinstance(dec, ast.Call) and (dotted(dec.func) or "").endswith("usefixtures"):
                    wanted |= {a.value for a in dec.args if isinstance(a, ast.Constant)}
            for fx in sorted(wanted):
                if fx in fixtures:
                    refs.merge(scan.refs_of([fixtures[fx][0]]))
                    refs.names |= {fx}
                elif fx in conftest_fixtures:
                    refs.merge(conftest.refs_of([conftest_fixtures[fx][0]]))
            for other in sorted(refs.names & set(scan.defs)):
                refs.merge(scan.def_refs(other))
            for kind, why in module_refs.reasons.items():  # the module itself cannot be imported
                for w in why:
                    refs.add(kind, f"module-level code: {w}")
            marks = scan.marks_of(node) | (scan.marks_of(cls) if cls is not None else set())
            for m in sorted(marks & BACKEND_MARKS):
                refs.add("backend", f"marked {m}")
            category, reason = "public", ""
            for kind in PRIORITY:
                if refs.reasons[kind]:
                    category, reason = kind, next(iter(refs.reasons[kind]))
                    break
            items.append(TestItem(rel, name, category, reason))
    return items, scans


# -- staging -------------------------------------------------------------------------------------------


def rewrite_imports(scan: ModuleScan) -> str:
    """The module's source with private imports made harmless: a name the SDK exports publicly
    is imported from its public path; any other flagged import is wrapped in try/except, binding
    None when it fails (only tests classified private/backend/subsystem use those)."""
    lines = scan.source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(scan.tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.end_lineno is None:
            continue
        bindings = import_bindings(node)
        if not bindings:
            continue
        flagged = []
        for b in bindings:
            r = Refs()
            scan.binding_reasons(b if b.attr else Binding(b.local, b.imported, None, b.imported), r)
            public = scan.aliases.get(b.qualname) if b.attr else None
            flagged.append((b, public, any(r.reasons.values()) or is_private_path(b.imported)))
        if not any(pub or bad for _, pub, bad in flagged):
            continue
        first = lines[node.lineno - 1]
        if first[: node.col_offset].strip() or ";" in "".join(lines[node.lineno - 1: node.end_lineno]):
            continue
        indent = first[: node.col_offset]
        out = []
        for b, public, bad in flagged:
            if public:
                mod, _, attr = public.rpartition(".")
                out.append(f"{indent}from {mod} import {attr} as {b.local}  # peer_sdk: public alias of {b.qualname}\n")
                continue
            if b.attr:
                stmt, fallback = f"from {b.module} import {b.attr} as {b.local}", f"{b.local} = None"
            elif b.local == b.imported.split(".")[0]:
                stmt, fallback = f"import {b.imported}", "pass"
            else:
                stmt, fallback = f"import {b.imported} as {b.local}", f"{b.local} = None"
            if bad:
                out.append(f"{indent}try:\n{indent}    {stmt}\n{indent}except Exception:  # peer_sdk: not available\n"
                           f"{indent}    {fallback}\n")
            else:
                out.append(f"{indent}{stmt}\n")
        edits.append((node.lineno, node.end_lineno, "".join(out)))
    for start, end, text in sorted(edits, reverse=True):
        lines[start - 1: end] = [text]
    return "".join(lines)


PYTEST_INI = """[pytest]
asyncio_default_fixture_loop_scope = function
markers =
    integration: Integration tests against Flyte backend
    editable
    sandbox
    apps: App deployment tests using flyte.deploy
    gpu: Tests requiring GPU resources
    external: Tests requiring external services
    stress: Stress/load tests
    secrets: Tests requiring secrets configuration
"""

# Our side's conftest: the SDK's public fixtures, in our words; the SDK's private ones (which
# patch its LocalDB and context) have no counterpart, and tests that use them are not selected.
OURS_CONFTEST = '''"""Fixtures for running flyte-sdk's tests against flyteshift (written by peer_sdk.py)."""
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("FLYTE_DISABLE_SENTRY", "true")

# The SDK imports pandas (when installed) as a side effect of flyte.io, and some tests use
# `"pandas" in sys.modules` to mean "pandas is installed"; flyteshift imports it only when a frame
# is used.
try:
    import pandas  # noqa: F401
except ImportError:
    pass


@pytest.fixture(autouse=True)
def _own_store_per_test(tmp_path, monkeypatch):
    """Each test sees an empty metadata store and cache, as the SDK's conftest gives it an empty LocalDB."""
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "flyte-home"))


@pytest.fixture(autouse=True)
def _exit_raises(monkeypatch):
    """os._exit would end the pytest process; make it an exception, as the SDK's conftest does."""
    def _raise(code):
        raise SystemExit(code)
    monkeypatch.setattr(os, "_exit", _raise)


@pytest.fixture
def dummy_serialization_context():
    from flyte.models import SerializationContext
    yield SerializationContext(code_bundle=None, version="abc123", input_path="s3://bucket/test/run/inputs.pb",
                               output_path="s3://bucket/outputs/0/jfkljfa/0", root_dir=Path.cwd())


@pytest.fixture
def local_dummy_file():
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "w") as f:
        f.write("Hello File")
    yield path
    if os.path.exists(path):
        os.remove(path)


@pytest.fixture
def local_dummy_directory():
    with tempfile.TemporaryDirectory() as d:
        Path(d, "file").write_text("Hello Dir")
        yield d
'''


def stage(tests_root: Path, scans: dict[str, ModuleScan], dest: Path, ours: bool) -> None:
    """A copy of the SDK's tests with rewritten imports; `ours` gets our conftest instead of the SDK's."""
    shutil.copytree(tests_root, dest / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for rel, scan in scans.items():
        (dest / "tests" / rel).write_text(rewrite_imports(scan), encoding="utf-8")
    if ours:
        (dest / "tests" / "conftest.py").write_text(OURS_CONFTEST)
    (dest / "pytest.ini").write_text(PYTEST_INI)


# -- running ---------------------------------------------------------------------------------------------


def run_file(python: str, root: Path, rel: str, names: list[str], ours: bool, timeout: int) -> dict:
    """Run the selected tests of one file in a fresh pytest process; outcome per test."""
    scratch = Path(tempfile.mkdtemp(prefix="peer-sdk-home-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "PYTEST", "VIRTUAL_ENV"))}
    env.update({
        "HOME": str(scratch), "FLYTE_HOME": str(scratch / "flyte"), "FLYTE_DISABLE_SENTRY": "true",
        "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(scratch), "COLUMNS": "200",
    })
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(root)] if ours else [str(root)])
    xml = scratch / "junit.xml"
    cmd = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--timeout", str(timeout), f"--junitxml={xml}",
           "-o", "junit_family=xunit1", "--rootdir", str(root), *[f"tests/{rel}::{n}" for n in names]]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                              timeout=timeout * 2 + 60 + 2 * len(names))
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        out = f"TIMEOUT after {e.timeout}s"
    seconds = time.monotonic() - started
    outcomes: dict[str, dict] = {}
    collection = ""
    if xml.exists():
        try:
            cases = list(ET.parse(xml).getroot().iter("testcase"))
        except ET.ParseError:
            cases = []
        for case in cases:
            cls = case.get("classname", "")
            base = case.get("name", "").split("[")[0]
            name = base
            last = cls.rsplit(".", 1)[-1]
            if last.startswith("Test") and f"{last}::{base}" in names:
                name = f"{last}::{base}"
            status, message = "passed", ""
            for tag in ("failure", "error", "skipped"):
                el = case.find(tag)
                if el is not None:
                    status = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                    message = _first_error_line(el.text or "") or (el.get("message") or "").strip()[:300]
                    break
            if name not in names:
                collection = collection or message
                continue
            prev = outcomes.get(name)
            if prev is None or prev["status"] == "passed":  # a parametrized test passes only if every case does
                outcomes[name] = {"status": status, "message": message}
    shutil.rmtree(scratch, ignore_errors=True)
    if not outcomes and not collection:
        collection = _first_error_line(out) or (out.strip().splitlines()[-1] if out.strip() else "no output")
    for n in names:
        if n not in outcomes:
            outcomes[n] = {"status": "error", "message": collection or "not run (deselected or not found)"}
    return {"file": rel, "side": "ours" if ours else "real", "seconds": round(seconds, 1), "tests": outcomes}


def _first_error_line(text: str) -> str:
    found = re.findall(r"^E\s+(\S.*)$", text, re.M)
    for line in reversed(found):
        if re.match(r"[\w.]+(Error|Exception|Exit|Failed|Interrupt)\b", line) or ":" in line:
            return line[:300]
    if found:
        return found[-1][:300]
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return lines[-1][:300] if lines else ""


# -- report ----------------------------------------------------------------------------------------------


def summarise(items: list[TestItem], results: dict[tuple[str, str], dict]) -> dict:
    by_file: dict[str, dict] = {}
    failing: list[dict] = []
    apart: dict[str, dict[str, int]] = {k: {} for k in PRIORITY}
    for it in items:
        f = by_file.setdefault(it.file, {"tests": 0, "public": 0, "real_pass": 0, "ours_pass": 0, "ours_only": 0})
        f["tests"] += 1
        if it.category != "public":
            apart[it.category][it.reason] = apart[it.category].get(it.reason, 0) + 1
            continue
        f["public"] += 1
        real = results.get(("real", it.file), {}).get("tests", {}).get(it.name, {"status": "missing"})
        ours = results.get(("ours", it.file), {}).get("tests", {}).get(it.name, {"status": "missing"})
        if real["status"] == "passed":
            f["real_pass"] += 1
            if ours["status"] == "passed":
                f["ours_pass"] += 1
            else:
                failing.append({"test": f"{it.file}::{it.name}", "status": ours["status"],
                                "message": ours.get("message", "")})
        elif ours["status"] == "passed":
            f["ours_only"] += 1
    totals = {k: sum(f[k] for f in by_file.values()) for k in ("tests", "public", "real_pass", "ours_pass", "ours_only")}
    return {"by_file": by_file, "totals": totals, "failing": failing, "apart": apart}


def markdown(summary: dict, commit: str) -> str:
    t = summary["totals"]
    apart = summary["apart"]
    n_apart = {k: sum(v.values()) for k, v in apart.items()}
    lines = [
        f"flyte-sdk tests at `{commit[:8]}`: {t['tests']} test functions; {t['public']} use only the public API "
        f"({n_apart['private']} need private modules, {n_apart['backend']} a backend, "
        f"{n_apart['subsystem']} a subsystem this project does not provide).",
        "",
        f"**Of the {t['real_pass']} public-API tests that pass on the real SDK, {t['ours_pass']} pass on ours** "
        f"({t['public'] - t['real_pass']} fail on the real 2.12.1 and are not counted; "
        f"{t['ours_only']} of those pass on ours).",
        "",
        "| file | tests | public | pass on real | pass on ours | fail on ours |",
        "|---|---|---|---|---|---|",
    ]
    for rel, f in sorted(summary["by_file"].items()):
        if not f["public"]:
            continue
        lines.append(f"| `{rel}` | {f['tests']} | {f['public']} | {f['real_pass']} | {f['ours_pass']} | "
                     f"{f['real_pass'] - f['ours_pass']} |")
    lines.append(f"| **total** | **{t['tests']}** | **{t['public']}** | **{t['real_pass']}** | **{t['ours_pass']}** | "
                 f"**{t['real_pass'] - t['ours_pass']}** |")
    for kind in PRIORITY:
        lines += ["", f"Counted apart, {kind} ({n_apart[kind]}), by first reason:", ""]
        for reason, n in sorted(apart[kind].items(), key=lambda kv: (-kv[1], kv[0]))[:40]:
            lines.append(f"- {n}: {reason}")
        rest = sorted(apart[kind].items(), key=lambda kv: (-kv[1], kv[0]))[40:]
        if rest:
            lines.append(f"- {sum(n for _, n in rest)}: {len(rest)} other reasons")
    if summary["failing"]:
        lines += ["", "Failing on ours (passing on the real SDK):", ""]
        for f in summary["failing"]:
            lines.append(f"- `{f['test']}`: {f['status']}: {f['message'][:200]}")
    return "\n".join(lines) + "\n"


# -- main ------------------------------------------------------------------------------------------------


def extract(mirror: Path, commit: str, dest: Path) -> str:
    have = subprocess.run(["git", "-C", str(mirror), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    if have.returncode != 0:
        head = subprocess.run(["git", "-C", str(mirror), "rev-parse", "HEAD"], capture_output=True, text=True)
        print(f"warning: {commit[:8]} is not in {mirror}; using HEAD {head.stdout.strip()[:8]} "
              "(the selection may differ from recorded numbers)", file=sys.stderr)
        commit = head.stdout.strip()
    archive = subprocess.run(["git", "-C", str(mirror), "archive", commit, "tests"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return commit


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR, help="bare git mirror of flyteorg/flyte-sdk")
    ap.add_argument("--commit", default=PINNED_COMMIT, help="flyte-sdk commit to take the tests from")
    ap.add_argument("--ref-python", default=DEFAULT_REF_PYTHON, help="interpreter with the real flyte 2.12.1")
    ap.add_argument("--python", default=sys.executable, help="interpreter for our side (this repository goes first)")
    ap.add_argument("--only", action="append", default=[], help="only test files whose path contains this")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per test")
    ap.add_argument("--classify-only", action="store_true", help="print the classification and stop")
    ap.add_argument("--reuse-real", type=Path, help="take the real SDK's outcomes from this earlier --json output "
                    "instead of running them again (for quick iterations; report numbers from full runs)")
    ap.add_argument("--stage-only", type=Path, help="write the staged real/ and ours/ test trees here and stop "
                    "(to run one test by hand: cd DIR/ours && PYTHONPATH=REPO:. python -m pytest tests/...)")
    ap.add_argument("--json", type=Path, help="write the per-test results here")
    ap.add_argument("--md", type=Path, help="write the markdown report here")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="flyte-sdk-peer-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        commit = extract(args.mirror, args.commit, src)
        tests_root = src / "tests"
        aliases = resolve_aliases(args.ref_python, private_imports(tests_root))
        items, scans = classify(tests_root, aliases)
        if args.only:
            items = [it for it in items if any(o in it.file for o in args.only)]
        if args.classify_only:
            for it in items:
                print(f"{it.category:9} {it.file}::{it.name}  {it.reason}")
            counts = {k: sum(1 for it in items if it.category == k) for k in ("public", *PRIORITY)}
            print(counts, file=sys.stderr)
            return 0
        selected: dict[str, list[str]] = {}
        for it in items:
            if it.category == "public":
                selected.setdefault(it.file, []).append(it.name)
        base = args.stage_only if args.stage_only else Path(tmp)
        roots = {"real": base / "real", "ours": base / "ours"}
        for side, root in roots.items():
            root.mkdir(parents=True)
            stage(tests_root, scans, root, ours=side == "ours")
        if args.stage_only:
            print(f"staged in {base}")
            return 0
        results: dict[tuple[str, str], dict] = {}
        sides = ("real", "ours")
        if args.reuse_real:
            for r in json.loads(args.reuse_real.read_text())["results"]:
                if r["side"] == "real" and r["file"] in selected:
                    results[("real", r["file"])] = r
            sides = ("ours",)
        jobs = [(side, rel, names) for rel, names in sorted(selected.items()) for side in sides]
        done = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futs = {pool.submit(run_file, args.ref_python if side == "real" else args.python, roots[side], rel, names,
                                side == "ours", args.timeout): (side, rel) for side, rel, names in jobs}
            for fut in concurrent.futures.as_completed(futs):
                r = fut.result()
                results[futs[fut]] = r
                done += 1
                passed = sum(1 for t in r["tests"].values() if t["status"] == "passed")
                print(f"[{done}/{len(jobs)}] {r['side']:4} {r['file']}: {passed}/{len(r['tests'])} "
                      f"({r['seconds']}s)", file=sys.stderr)
    summary = summarise(items, results)
    report = markdown(summary, commit)
    print(report)
    if args.json:
        args.json.write_text(json.dumps({
            "commit": commit, "summary": {k: v for k, v in summary.items()},
            "aliases": aliases,
            "classification": [it.__dict__ for it in items],
            "results": [r for r in results.values()],
        }, indent=1))
    if args.md:
        args.md.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
