"""`import flytekit` → this project's flytekit shim (`flytekit_compat`).

The code lives once, in flytekit_compat; this package makes every `flytekit.X` module name refer
to the very same module object as `flytekit_compat.X`, so classes are identical whichever name
a program imports them by.
"""

import importlib
import importlib.abc
import importlib.util
import sys

import flytekit_compat

_PREFIX = "flytekit."
_REAL = "flytekit_compat."


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real_name: str):
        self.real_name = real_name

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        return importlib.import_module(self.real_name)

    def exec_module(self, module):  # type: ignore[no-untyped-def]
        return None  # already executed under its real name


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if not fullname.startswith(_PREFIX):
            return None
        real_name = _REAL + fullname[len(_PREFIX):]
        if importlib.util.find_spec(real_name) is None:
            return None
        real = sys.modules.get(real_name)
        is_pkg = real is not None and hasattr(real, "__path__")
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real_name), is_package=is_pkg)


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())
sys.modules[__name__] = flytekit_compat
