"""Finding tasks in user files and modules (for the CLI and for `flyte.rerun`)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

from ._task import TaskTemplate


def load_module_from_file(path: Path) -> ModuleType:
    """Import a Python file as a module named after it, with its directory on sys.path."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {path}")
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    name = path.stem
    existing = sys.modules.get(name)
    existing_file = getattr(existing, "__file__", None)
    if existing is not None and existing_file and Path(existing_file).resolve() == path:
        return existing
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"Cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def tasks_in(module: ModuleType) -> dict[str, TaskTemplate]:
    """Tasks defined at the top level of a module, by variable name."""
    return {name: obj for name, obj in vars(module).items() if isinstance(obj, TaskTemplate)}


def load_task(task_name: str, module: Optional[str], file: Optional[str]) -> TaskTemplate:
    """The task whose full name is `task_name`, from its module (or its file, for scripts)."""
    mod: Optional[ModuleType] = None
    if module and module != "__main__":
        try:
            mod = importlib.import_module(module)
        except ImportError:
            mod = None
    if mod is None and file:
        mod = load_module_from_file(Path(file))
    if mod is None:
        raise ImportError(f"Cannot find the code of task {task_name!r} (module {module!r}, file {file!r})")
    for task in tasks_in(mod).values():
        if task.name == task_name:
            return task
    raise LookupError(f"Task {task_name!r} is no longer defined in {getattr(mod, '__file__', module)}")
