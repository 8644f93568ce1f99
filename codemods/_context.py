"""The per-file state that rules share while one module is rewritten.

A `FileContext` is created for each file after the analysis pass. Rules read the model through
it, ask it what a callee is, record what they changed (`change`) and what they could not
convert (`todo`), and request imports; the engine turns TODOs into comments above the
statement being rewritten and the import requests into import lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst

from ._analysis._index import EntityIndex, IndexedEntity, import_root, resolve_relative
from ._analysis._model import Entity, FuncFacts, ModuleModel
from ._analysis._names import Symbol
from ._config import line_length_for

_MAX_SNIPPET = 100


def one_line(message: str) -> str:
    """A TODO message as one comment line: code snippets lose their line breaks and long ones
    are shortened (the code itself is right below the comment)."""
    text = re.sub(r"\s+", " ", message).strip()
    text = re.sub(r"([(\[{]) ", r"\1", text)
    text = re.sub(r",? ([)\]}])", r"\1", text)
    if len(text) <= 240:
        return text
    head, sep, tail = text.partition(": ")
    if sep and len(tail) < 200:
        return head[: 240 - len(tail) - 5] + "...: " + tail
    return text[:237] + "..."


@dataclass
class Callee:
    """What a called name turned out to be."""

    kind: str  # task | workflow | dynamic | eager | launchplan | partial | map | echo
    is_async: bool  # whether it is `async def` after migration
    name: str
    entity: Optional[Entity] = None  # when defined in this module
    indexed: Optional[IndexedEntity] = None  # when defined in another migrated module
    assumed: bool = False  # imported from first-party code we could not see

    @property
    def returns_text(self) -> Optional[str]:
        if self.entity is not None and self.entity.returns is not None:
            from ._cst import code

            return code(self.entity.returns)
        if self.indexed is not None:
            return self.indexed.returns
        return None


@dataclass
class Frame:
    """One function being rewritten."""

    node: cst.FunctionDef
    facts: FuncFacts
    entity: Optional[Entity]
    taken: set[str] = field(default_factory=set)

    @property
    def kind(self) -> str:
        return self.entity.kind if self.entity is not None else "plain"

    @property
    def is_driver(self) -> bool:
        return self.entity is not None and self.entity.is_driver

    @property
    def is_async_after(self) -> bool:
        if self.entity is not None:
            return self.entity.async_after
        return self.node.asynchronous is not None or self.facts.becomes_async


@dataclass
class StatementFrame:
    todos: list[tuple[str, str]] = field(default_factory=list)
    before: list[cst.BaseStatement] = field(default_factory=list)
    has_flytekit: bool = False
    # the comments of this statement (its leading lines, header, decorators; not those of the
    # statements in its body, which have their own frames), checked against the rewrite
    comments: list[cst.Comment] = field(default_factory=list)


class FileContext:
    def __init__(
        self,
        model: ModuleModel,
        index: Optional[EntityIndex],
        enabled: frozenset[str],
        is_package: bool = False,
    ):
        self.model = model
        self.index = index or EntityIndex()
        self.enabled = enabled
        self.is_package = is_package
        self.line_length = line_length_for(model.path)  # the project's width, for new code
        self.findings: list[tuple[str, str]] = []
        self.applied: Counter = Counter()
        self.frames: list[Frame] = []
        self.statements: list[StatementFrame] = []
        self.syms: dict[cst.CSTNode, Symbol] = dict(model.symbols)
        self.imports: set[tuple[str, Optional[str]]] = set()  # ("asyncio", None) / ("flyte.io", "File")
        self.entity_awaits: dict[cst.CSTNode, set[str]] = {}  # Await nodes of task calls -> pseudo writes
        self.awaited: set[cst.CSTNode] = set()  # original Call nodes that the source already awaited
        self.module_todos: list[tuple[str, str]] = []
        self.insert_top: dict[int, list[cst.BaseStatement]] = {}  # top-level index -> statements to put before it
        self.top_index: dict[cst.CSTNode, int] = {stmt: i for i, stmt in enumerate(model.module.body)}
        self.scratch: dict[str, Any] = {}
        # comments a rule carried into code written at another statement (a launch plan's
        # schedule comment on its workflow's trigger): the statement they left does not get them back
        self.moved_comments: set[str] = set()

    # -- rule bookkeeping ---------------------------------------------------------------------
    def on(self, code: str) -> bool:
        return code in self.enabled

    def change(self, code: str) -> None:
        self.applied[code] += 1

    def todo(self, code: str, message: str) -> None:
        """Leave `# TODO(flyte-migrate): message` above the statement being rewritten."""
        message = one_line(message)
        target = self.statements[-1].todos if self.statements else self.module_todos
        if (code, message) not in target:
            target.append((code, message))

    def insert_before(self, statement: cst.BaseStatement) -> None:
        """Emit `statement` just before the statement being rewritten (which must be in a block)."""
        self.statements[-1].before.append(statement)

    def insert_before_top(self, index: int, statement: cst.BaseStatement) -> None:
        """Emit `statement` before the module's top-level statement number `index`."""
        self.insert_top.setdefault(index, []).append(statement)

    def need(self, module: str, name: Optional[str] = None) -> None:
        """Ask for `import module` (name None) or `from module import name`."""
        self.imports.add((module, name))

    # -- names ---------------------------------------------------------------------------------
    def sym(self, node: Optional[cst.CSTNode]) -> Optional[Symbol]:
        if node is None:
            return None
        return self.syms.get(node)

    def is_sym(self, node: Optional[cst.CSTNode], name: str, rest: str = "") -> bool:
        s = self.sym(node)
        return s is not None and s.name == name and s.rest == rest and not s.plugin

    @property
    def frame(self) -> Optional[Frame]:
        return self.frames[-1] if self.frames else None

    def fresh(self, base: str) -> str:
        from ._cst import fresh_name

        taken = self.frame.taken if self.frame is not None else self.model.module_names
        return fresh_name(base, taken)

    def callee(self, func: cst.BaseExpression) -> Optional[Callee]:
        """What the function part of a call refers to, if it is a Flyte entity."""
        frame = self.frame
        model = self.model
        if isinstance(func, cst.Name):
            name = func.value
            if frame is not None and name in frame.facts.bound:
                if name in frame.facts.partials:
                    target = frame.facts.partials[name].args[0].value if frame.facts.partials[name].args else None
                    inner = self.callee(target) if target is not None else None
                    if inner is not None:
                        return Callee("partial", inner.is_async, name, inner.entity, inner.indexed)
                return None
            ent = model.entities.get(name)
            if ent is not None:
                return Callee(ent.kind, ent.async_after, name, entity=ent)
            binding = model.bindings.get(name)
            if binding is not None and isinstance(binding.value, cst.Call):
                sym = self.sym(binding.value.func)
                if sym is not None and sym.name == "LaunchPlan":
                    return Callee("launchplan", True, name)
                if sym is not None and sym.name == "map_task" and not sym.rest:
                    return Callee("map", True, name)
                if sym is not None and sym.name == "Echo":
                    return Callee("echo", False, name)
                return None
            if name in model.imported:
                return self._imported(name, model.imported[name])
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            base = func.value.value
            if frame is not None and base in frame.facts.bound:
                return None
            if base in model.imported and base not in model.entities:
                return self._imported(func.attr.value, f"{model.imported[base]}.{func.attr.value}")
        return None

    def _imported(self, local: str, dotted: str) -> Optional[Callee]:
        absolute = resolve_relative(self.model.module_name, self.is_package, dotted)
        root = import_root(self.model.path) if self.model.path and not self.model.path.startswith("<") else None
        found = self.index.lookup(absolute, root)
        if found is None and "." in absolute:
            # a script-style import of a sibling module (`from workflow import wf`)
            pkg = self.model.module_name.rpartition(".")[0]
            if pkg:
                found = self.index.lookup(f"{pkg}.{absolute}", root)
        if found is not None:
            return Callee(found.kind, found.is_async, local, indexed=found)
        mod = absolute.rpartition(".")[0]
        first_party = dotted.startswith(".") or (
            mod.split(".")[0] == self.model.module_name.split(".")[0] and "." in self.model.module_name
        )
        if first_party and not self.index.knows_module(mod, root):
            return Callee("task", False, local, assumed=True)
        return None
