"""Package boundaries of the runtime: a module uses another package's public names only.

Every module under flyte/ is parsed (nothing is imported, so the lazy `import flyte` is not
disturbed and code under `if TYPE_CHECKING:` or inside functions counts as well) and each of its
imports is resolved to absolute dotted names. A name is private when one of its parts after the
first starts with an underscore (dunders aside), and each such part belongs to the package it is
in (for a name defined in a module, the module's package). Only modules inside that package may
import it: `flyte._run` may import `flyte._store` (a private package of `flyte`, which holds
`flyte._run`) but not `flyte._store._errors` (a private module of `flyte._store`); what another
package needs from `flyte._store` is exported by `flyte/_store/__init__.py`.

The lazy loader's table (`flyte._LAZY`, module paths as strings) is held to the same rule.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

import pytest

import flyte

ROOT = Path(flyte.__file__).parent

# (importing module, imported name) -> why it is allowed. Keep it short; each entry is debt.
ALLOWED: dict[tuple[str, str], str] = {}


class Module(NamedTuple):
    name: str  # dotted: flyte._store._sqlite
    path: Path
    is_package: bool

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


def modules(root: Path = ROOT) -> dict[str, Module]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


def imported_names(module: Module) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) for each name `module` imports: `import a.b` gives a.b,
    `from a import b` gives a.b (b may be a module or a name defined in a)."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                yield node.lineno, source if alias.name == "*" else f"{source}.{alias.name}"


def private_owners(name: str, packages: set[str]) -> Iterator[str]:
    """The packages whose privates `name` reaches into: for each private part, the package it
    is in (`flyte._store._errors` gives flyte, for `_store`, then flyte._store, for `_errors`)."""
    parts = name.split(".")
    for i in range(1, len(parts)):
        if parts[i].startswith("_") and not parts[i].startswith("__"):
            holder = ".".join(parts[:i])
            yield holder if holder in packages else holder.rpartition(".")[0]


def inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def foreign_owner(module: str, name: str, packages: set[str]) -> Optional[str]:
    """The first package whose private `name` uses that does not hold `module`, or None."""
    return next((owner for owner in private_owners(name, packages) if not inside(module, owner)), None)


def violations(found: dict[str, Module]) -> list[str]:
    packages = {m.name for m in found.values() if m.is_package}
    out = []
    for module in found.values():
        for line, name in imported_names(module):
            if not name.startswith("flyte.") or (module.name, name) in ALLOWED:
                continue
            owner = foreign_owner(module.name, name, packages)
            if owner is not None:
                out.append(f"{module.path.name}:{line}: {module.name} imports {name}, "
                           f"private to {owner}; export it from {owner}'s __init__.py")
    return out


def test_no_module_imports_another_packages_private_names():
    assert violations(modules()) == []


def test_the_lazy_loader_names_public_or_own_modules():
    packages = {m.name for m in modules().values() if m.is_package}
    bad = []
    for public, (target, _attr) in flyte._LAZY.items():
        absolute = "flyte" + target if target.startswith(".") else target
        owner = foreign_owner("flyte", absolute, packages)
        if owner is not None:
            bad.append(f"{public}: {absolute} is private to {owner}")
    assert bad == []


def test_every_allowed_entry_is_still_needed():
    """An entry whose import is gone is removed, so the allow-list only shrinks."""
    seen = {(m.name, name) for m in modules().values() for _line, name in imported_names(m)}
    assert [entry for entry in ALLOWED if entry not in seen] == []


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small package laid out like flyte's, to prove the check catches what it should."""
    root = tmp_path / "flyte"
    for rel, text in {
        "__init__.py": "",
        "_run.py": "from ._store import open_store\nfrom ._store._errors import translate\n",
        "_store/__init__.py": "from ._errors import translate\n",
        "_store/_errors.py": "def translate(): ...\n",
        "_store/_sqlite.py": "from ._errors import translate\nfrom .._run import _helper\n",
        "notify/__init__.py": "from ._local import deliver\n",
        "notify/_local.py": "",
        "_trigger.py": "def f():\n    import flyte.notify._local\n",
        "_ok.py": "from .notify import deliver\nfrom . import _run\n",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_check_finds_reaching_in_and_allows_own_internals(tree: Path):
    found = violations(modules(tree))
    joined = "\n".join(found)
    assert len(found) == 2, joined
    assert "flyte._run imports flyte._store._errors.translate, private to flyte._store" in joined
    assert "flyte._trigger imports flyte.notify._local, private to flyte.notify" in joined
