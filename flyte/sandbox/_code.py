"""`create()`: arbitrary code (a Python script or a command) in a throwaway container.

Three modes, as in the SDK: *code* (Python whose variables are the inputs and whose outputs are
read back from the variables it assigns; `auto_io=True`), *verbatim* (a script that reads
`/var/inputs` and writes `/var/outputs` itself, with the inputs also passed as `--name=value`
flags; `auto_io=False`) and *command* (an arbitrary command). Inputs and outputs are int, float,
str, bool, datetime, timedelta, File or Dir.

The sandbox runs as a `flyte.extras.ContainerTask` (locally: docker). Its image is `image=` when
given; otherwise the one `packages`/`system_packages` describe, through `flyte.build`: this
runtime builds no image and, as the SDK does when it cannot look an image up, assumes it exists,
so running needs docker and that image (or pass a pre-built `image`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from .._environment import TaskEnvironment
from .._image import Image
from ..io import Dir, File
from ..models import NativeInterface
from ..syncify import syncify

SUPPORTED = (int, float, str, bool, datetime.datetime, datetime.timedelta, File, Dir)
INPUTS_DIR, OUTPUTS_DIR = "/var/inputs", "/var/outputs"

sandbox_environment = TaskEnvironment(name="sandbox-runtime", image=Image.from_debian_base(install_flyte=False))


@dataclass
class ImageConfig:
    """Where a built sandbox image goes, and its Python version."""

    registry: Optional[str] = None
    registry_secret: Optional[str] = None
    python_version: Optional[tuple[int, int]] = None


def _type_name(tp: type) -> str:
    return f"datetime.{tp.__name__}" if tp.__module__ == "datetime" else tp.__name__


def _check_types(label: str, mapping: Dict[str, type]) -> None:
    for name, tp in mapping.items():
        if tp not in SUPPORTED:
            supported = ", ".join(sorted(_type_name(t) for t in SUPPORTED))
            raise TypeError(f"Unsupported {label} type for '{name}': {tp!r}. Supported types: {supported}.")


# How the generated script turns a flag's text into each input type (File/Dir: the mounted path).
_READERS = {
    int: "int", float: "float", str: "str", bool: "_as_bool", datetime.datetime: "_dt.datetime.fromisoformat",
    datetime.timedelta: "_as_timedelta", File: "str", Dir: "str",
}

_PRELUDE = '''\
import argparse as _argparse
import datetime as _dt
import pathlib as _pathlib
import re as _re
import shutil as _shutil


def _as_bool(text):
    return text.strip().lower() not in ("false", "0", "")


def _as_timedelta(text):
    m = _re.fullmatch(r"(?:(-?\\d+) days?, )?(\\d+):(\\d+):(\\d+)(?:\\.(\\d+))?", text.strip())
    if m is None:
        raise ValueError(f"not a timedelta: {text!r}")
    days, h, mi, s, frac = m.groups()
    return _dt.timedelta(days=int(days or 0), hours=int(h), minutes=int(mi), seconds=int(s),
                         microseconds=int((frac or "0").ljust(6, "0")[:6]))


def _write_output(name, value, kind):
    target = _pathlib.Path(_OUTPUTS) / name
    if kind in ("File", "Dir"):
        source = _pathlib.Path(str(value))
        if kind == "Dir":
            _shutil.copytree(source, target, dirs_exist_ok=True)
        elif source.resolve() != target.resolve():
            _shutil.copyfile(source, target)
        return
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, _dt.datetime):
        text = value.isoformat()
    else:
        text = str(value)
    target.write_text(text)
'''


def auto_io_script(code: str, inputs: Dict[str, type], outputs: Dict[str, type], outputs_dir: str = OUTPUTS_DIR) -> str:
    """The Python script code mode runs: the inputs parsed from `--name=value` flags into
    variables, the user's code at top level, then each output variable written to `outputs_dir`
    (a File/Dir output is a path the code produced; it is copied there)."""
    lines = [_PRELUDE, f"_OUTPUTS = {outputs_dir!r}", "_parser = _argparse.ArgumentParser()"]
    for name in inputs:
        lines.append(f"_parser.add_argument('--{name}', dest={name!r}, required=True)")
    lines.append("_args = _parser.parse_args()")
    for name, tp in inputs.items():
        lines.append(f"{name} = {_READERS[tp]}(getattr(_args, {name!r}))")
    lines += ["del _parser, _args", "", "# --- the sandbox's code ---", code, "# --- end of the sandbox's code ---", ""]
    lines.append("_pathlib.Path(_OUTPUTS).mkdir(parents=True, exist_ok=True)")
    for name, tp in outputs.items():
        kind = tp.__name__ if tp in (File, Dir) else "value"
        missing = f"the sandbox code did not assign its output {name!r}"
        lines.append(f"try:\n    _value = {name}\nexcept NameError:\n    raise SystemExit({missing!r})")
        lines.append(f"_write_output({name!r}, _value, {kind!r})")
    return "\n".join(lines) + "\n"


@dataclass
class CodeSandbox:
    """A sandbox made by `create()`: run it with `run(**inputs)` (blocking, or `.aio`)."""

    name: Optional[str] = None
    code: Optional[str] = None
    inputs: Dict[str, type] = field(default_factory=dict)
    outputs: Dict[str, type] = field(default_factory=dict)
    command: Optional[List[str]] = None
    arguments: Optional[List[str]] = None
    packages: List[str] = field(default_factory=list)
    system_packages: List[str] = field(default_factory=list)
    additional_commands: List[str] = field(default_factory=list)
    image_config: Optional[ImageConfig] = None
    image_name: Optional[str] = None
    image: Optional[str] = None
    auto_io: bool = True
    resources: Optional[Any] = None
    retries: int = 0
    timeout: Optional[int] = None
    env_vars: Optional[Dict[str, str]] = None
    secrets: Optional[list] = None
    cache: str = "auto"

    def task_name(self) -> str:
        if self.name:
            return self.name
        import flyte

        task = flyte.ctx()
        return f"sandbox-{task.action.name}" if task and task.action is not None else "sandbox"

    def image_spec(self) -> Image:
        """The image the sandbox needs: Debian with its system and pip packages (and a compiler,
        which pip packages without wheels need), named by a hash of what goes into it."""
        config = self.image_config or ImageConfig()
        spec = {"packages": sorted(self.packages), "system_packages": sorted(self.system_packages),
                "additional_commands": self.additional_commands,
                "python_version": list(config.python_version) if config.python_version else None}
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
        image = Image.from_debian_base(install_flyte=False, registry=config.registry,
                                       registry_secret=config.registry_secret, python_version=config.python_version,
                                       name=self.image_name or f"sandbox-{digest}")
        apt = list(self.system_packages)
        if "gcc" not in apt:
            apt += ["gcc", "g++", "make"]
        image = image.with_apt_packages(*apt)
        if self.packages:
            image = image.with_pip_packages(*self.packages)
        if self.additional_commands:
            image = image.with_commands(list(self.additional_commands))
        return image

    def container_task(self, image: str) -> Any:
        """The ContainerTask this sandbox runs as, in `image`."""
        from .._resources import Resources
        from ..extras import ContainerTask

        extra: Dict[str, Any] = {}
        if self.timeout is not None:
            extra["timeout"] = self.timeout
        if self.env_vars is not None:
            extra["env_vars"] = self.env_vars
        if self.secrets is not None:
            extra["secrets"] = self.secrets
        common = dict(name=self.task_name(), image=image, input_data_dir=INPUTS_DIR, output_data_dir=OUTPUTS_DIR,
                      outputs=dict(self.outputs), resources=self.resources or Resources(cpu=1, memory="1Gi"),
                      retries=self.retries, cache=self.cache, **extra)
        if self.code is None:
            task = ContainerTask(inputs=dict(self.inputs), command=list(self.command or []),
                                 arguments=list(self.arguments or []), **common)
        else:
            flags = [f"--{n}={INPUTS_DIR}/{n}" if tp in (File, Dir) else f"--{n}={{{{.inputs.{n}}}}}"
                     for n, tp in self.inputs.items()]
            task = ContainerTask(inputs={**self.inputs, "_script": File}, command=["python", f"{INPUTS_DIR}/_script"],
                                 arguments=flags, **common)
        task.runs_on_host = False  # a sandbox isolates its code: never run it on this machine instead
        return task

    @syncify
    async def as_task(self, image: Optional[str] = None) -> Any:
        """The ContainerTask this sandbox runs as, its image built first when none is given (see
        the module docstring). In code mode the script is stored now (a `File` named by the hash
        of its text) and is the default of the task's `_script` input, so the task needs only
        the declared inputs, wherever it is called or deployed."""
        task = self.container_task(image or self.image or await self._build())
        if self.code is not None:
            script = self.code if not self.auto_io else auto_io_script(self.code, self.inputs, self.outputs)
            digest = hashlib.sha256(script.encode()).hexdigest()
            script_file = await File.from_local(str(_script_path(script, digest)), hash_method=digest)
            inputs = dict(task.interface.inputs)
            inputs["_script"] = (File, script_file)
            task.interface = NativeInterface(inputs, dict(task.interface.outputs))
        return task

    async def _build(self) -> str:
        import flyte

        result = await flyte.build.aio(self.image_spec())
        if not getattr(result, "uri", None):
            raise RuntimeError(f"Building the image for sandbox {self.task_name()!r} returned no image URI")
        return str(result.uri)

    @syncify
    async def run(self, image: Optional[str] = None, **kwargs: Any) -> Any:
        """Run the sandbox once with these inputs: inside a task, as a child action. Returns
        the outputs: None, the one value, or a tuple in declaration order."""
        task = await self.as_task.aio(image=image)
        if self.code is not None:
            kwargs["_script"] = task.interface.inputs["_script"][1]
        result = task.aio(**kwargs)
        result = await result if hasattr(result, "__await__") else result
        values = tuple(result) if result is not None else ()
        if not values:
            return None
        return values[0] if len(values) == 1 else values


def _script_path(script: str, digest: str) -> Path:
    """The script's text in a file named by its hash, under the temporary directory: it must
    outlive this call, since outside a run a `File` refers to the local file until the task
    that takes it is called. Written whole (temporary name, then rename), so a reader never
    sees half a script."""
    folder = Path(tempfile.gettempdir()) / "flyte-sandbox-scripts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.py"
    if not path.exists() or path.read_text() != script:
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False) as tmp:
            tmp.write(script)
        os.replace(tmp.name, path)
    return path


def create(name: Optional[str] = None, *, code: Optional[str] = None, inputs: Optional[Dict[str, type]] = None,
           outputs: Optional[Dict[str, type]] = None, command: Optional[List[str]] = None,
           arguments: Optional[List[str]] = None, packages: Optional[List[str]] = None,
           system_packages: Optional[List[str]] = None, additional_commands: Optional[List[str]] = None,
           resources: Optional[Any] = None, image_config: Optional[ImageConfig] = None,
           image_name: Optional[str] = None, image: Optional[str] = None, auto_io: bool = True, retries: int = 0,
           timeout: Optional[int] = None, env_vars: Optional[Dict[str, str]] = None, secrets: Optional[list] = None,
           cache: str = "auto") -> CodeSandbox:
    """A sandbox for `code` or `command` (not both); input and output types are checked here."""
    if code is not None and command is not None:
        raise ValueError("'code' and 'command' are mutually exclusive.")
    _check_types("input", inputs or {})
    _check_types("output", outputs or {})
    return CodeSandbox(name=name, code=code, inputs=dict(inputs or {}), outputs=dict(outputs or {}), command=command,
                       arguments=arguments, packages=list(packages or []), system_packages=list(system_packages or []),
                       additional_commands=list(additional_commands or []), resources=resources,
                       image_config=image_config, image_name=image_name, image=image, auto_io=auto_io,
                       retries=retries, timeout=timeout, env_vars=env_vars, secrets=secrets, cache=cache)
