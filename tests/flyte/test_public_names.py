"""`flyte`'s public names come from one table (`flyte._LAZY`): `__all__`, the lazy loader and the
`TYPE_CHECKING` imports (what type checkers see) must agree with it."""

import ast
import importlib
from pathlib import Path

import flyte

INIT = Path(flyte.__file__)


def _type_checking_imports() -> dict[str, tuple[str, str | None]]:
    """name -> (module, attribute or None for a submodule), from the `if TYPE_CHECKING:` block."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING")
    out: dict[str, tuple[str, str | None]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.dump(node)
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            name = alias.asname or alias.name
            assert alias.asname in (None, alias.name), f"{alias.name} is re-exported as {alias.asname}"
            out[name] = ((module, None) if node.module is None else (module, alias.name))
    return out


def test_all_is_the_table_plus_the_eager_names():
    assert flyte.__all__ == [*flyte._EAGER, *flyte._LAZY]
    assert len(set(flyte.__all__)) == len(flyte.__all__)


def test_type_checkers_see_exactly_the_table():
    seen = _type_checking_imports()
    table = {name: (module if attr is not None else ".", attr if attr is not None else None)
             for name, (module, attr) in flyte._LAZY.items()}
    submodules = {name for name, (_, attr) in flyte._LAZY.items() if attr is None}
    expected = {name: ((".", None) if name in submodules else table[name]) for name in table}
    assert seen == expected


def test_every_table_entry_loads_and_is_what_the_module_defines():
    for name, (module, attr) in flyte._LAZY.items():
        value = getattr(flyte, name)
        target = importlib.import_module(module, "flyte")
        assert value is (target if attr is None else getattr(target, attr)), name


def test_eager_names_exist_without_the_loader():
    for name in flyte._EAGER:
        assert name in vars(flyte), name


def test_import_flyte_loads_nothing_but_its_version_until_a_name_is_used():
    import subprocess
    import sys

    code = ("import sys; before = set(sys.modules); import flyte; "
            "print(sorted(set(sys.modules) - before)); flyte.logger; print('logging' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["['flyte', 'flyte._version']", "True"]
