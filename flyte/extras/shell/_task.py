"""`shell.create`: a CLI tool in a container image as a typed, awaitable task."""

from __future__ import annotations

import pathlib
import shlex
from typing import Any, Optional, Tuple, Type, Union

from ..._environment import TaskEnvironment
from ..._resources import Resources
from ...io import Dir, File
from .._container import ContainerError, ContainerTask, ProcessOutcome, container_runtime
from ._script import RECORD_SEP, render_script
from ._spec import FlagSpec, Glob, InputKind, Stderr, Stdout, check_outputs, input_kind, listMode, optional_inner

_STREAM_LIMIT = 4000


class ShellTask:
    """A configured shell task (what `create` returns). `await shell_task(**inputs)` runs it as an
    action of the calling task; `.env` is its TaskEnvironment for another environment's
    `depends_on`; `.as_task()` is the `ContainerTask` a backend would run."""

    def __init__(self, name: str, image: Any, inputs: dict[str, Type], outputs: dict[str, Any], script: str,
                 flag_aliases: dict[str, FlagSpec], defaults: dict[str, Any], shell: str, debug: bool,
                 resources: Optional[Resources], retries: int, timeout: Optional[int], cache: Any,
                 env_vars: Optional[dict[str, str]], secrets: Optional[list], local_logs: bool):
        self.name = name
        self.image = image
        self.inputs = inputs
        self.outputs = outputs
        self.script = script
        self.flag_aliases = flag_aliases
        self.defaults = defaults
        self.shell = shell
        self.debug = debug
        self.input_data_dir = pathlib.Path("/var/inputs")
        self.output_data_dir = pathlib.Path("/var/outputs")
        self.resources = resources
        self.retries = retries
        self.timeout = timeout
        self.cache = cache
        self.env_vars = env_vars
        self.secrets = secrets
        self.local_logs = local_logs
        self._task: Optional[_ShellContainerTask] = None
        self._env: Optional[TaskEnvironment] = None
        self._image_uri: Optional[str] = None

    def __repr__(self) -> str:
        return f"ShellTask(name={self.name!r}, image={self.image!r}, inputs={list(self.inputs)}, outputs={list(self.outputs)})"

    # -- the container task underneath --------------------------------------------------------------

    def wire_inputs(self) -> dict[str, Any]:
        """The container task's input types: a dict, and an optional scalar (empty when left out),
        travel as str."""
        wired: dict[str, Any] = {}
        for name, tp in self.inputs.items():
            optional, inner = optional_inner(tp)
            kind = input_kind(name, tp)
            if kind is InputKind.DICT_STR or (optional and kind in (InputKind.SCALAR, InputKind.BOOL)):
                wired[name] = str
            else:
                wired[name] = Optional[inner] if optional else inner
        return wired

    def wire_outputs(self) -> dict[str, Any]:
        """The container task's output types: a Glob is a Dir, Stdout/Stderr their `type`."""
        return {name: Dir if isinstance(spec, Glob) else spec.type if isinstance(spec, (Stdout, Stderr)) else spec
                for name, spec in self.outputs.items()}

    def command(self) -> list[str]:
        """`[shell, "-c", <script>, "_shell_task", <positional templates>...]`: the script runs in a
        subshell whose stdout and stderr go to files in the output directory, and its exit code is
        written next to them (`_returncode`) before the shell exits with it."""
        flags = {n: FlagSpec.coerce(n, self.flag_aliases.get(n)) for n in self.inputs}
        rendered = render_script(self.script, self.inputs, self.outputs, flags, self.input_data_dir,
                                 self.output_data_dir)
        out = self.output_data_dir
        stdout_to, stderr_to = out / "_stdout", out / "_stderr"
        for name, spec in self.outputs.items():
            if isinstance(spec, Stdout):
                stdout_to = out / name
            elif isinstance(spec, Stderr):
                stderr_to = out / name
        made = [shlex.quote(str(out / n)) for n, s in self.outputs.items()
                if isinstance(s, Glob) or (isinstance(s, type) and issubclass(s, Dir))]
        parts = [f"mkdir -p {' '.join(made)};" if made else ""]
        if self.debug:
            # on the real stderr, before and after the captured subshell, so they reach the task's logs
            parts.append(f'echo "--- shell task {self.name!r}: staged inputs ({self.input_data_dir}) ---" >&2; '
                         f"ls -la {shlex.quote(str(self.input_data_dir))} >&2 || true; "
                         f'echo "--- shell task {self.name!r}: rendered command ---" >&2; '
                         f"cat <<'_FLYTE_SHELL_DEBUG_' >&2\n{rendered.body}\n_FLYTE_SHELL_DEBUG_\n")
        parts.append(f"set -o pipefail; ( {rendered.body} ) > {stdout_to} 2> {stderr_to}; _rc=$?; ")
        if self.debug:
            parts.append(f'echo "--- shell task {self.name!r}: captured stdout ---" >&2; cat {stdout_to} >&2 || true; '
                         f'echo "--- shell task {self.name!r}: captured stderr ---" >&2; cat {stderr_to} >&2 || true; ')
        parts.append(f"echo $_rc > {out / '_returncode'}; exit $_rc")
        return [self.shell, "-c", " ".join(p for p in parts if p), "_shell_task", *rendered.positional]

    def as_task(self) -> _ShellContainerTask:
        if self._task is None:
            self._task = _ShellContainerTask(self)
        return self._task

    @property
    def env(self) -> TaskEnvironment:
        """A TaskEnvironment holding this task (made once), for `depends_on`."""
        if self._env is None:
            self._env = TaskEnvironment.from_task(self.name, self.as_task())
        return self._env

    # -- calling it -----------------------------------------------------------------------------------

    async def _resolve_image_uri(self) -> str:
        """The image to run: a string as given; a `flyte.Image` is built first (`flyte.build`), once.
        Run on the host (no docker engine), nothing is built and the image's URI only names it."""
        if self._image_uri is None:
            if isinstance(self.image, str):
                self._image_uri = self.image
            elif container_runtime() == "host":
                self._image_uri = self.image.uri
            else:
                import flyte

                built = await flyte.build.aio(self.image)
                if built.uri is None:
                    raise RuntimeError(f"Image build for shell task {self.name!r} returned no URI.")
                self._image_uri = built.uri
        return self._image_uri

    async def __call__(self, **kwargs: Any) -> Any:
        """Run the tool; outputs as declared (a Glob as `list[File]`), several as a tuple."""
        uri = await self._resolve_image_uri()
        task = self.as_task()
        if uri != task._image_ref():
            task.image = uri
        raw = await task(**self.prepare_inputs(kwargs))
        return await self._unpack(raw)

    def prepare_inputs(self, given: dict[str, Any]) -> dict[str, Any]:
        """The container task's inputs from the caller's (defaults filled in; a left-out optional
        is None, or "" where it travels as text; a dict packed into one string)."""
        values = {**self.defaults, **given}
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise TypeError(f"Shell task {self.name!r} got unexpected inputs {unknown}; it takes {list(self.inputs)}")
        wired: dict[str, Any] = {}
        for name, tp in self.inputs.items():
            optional, _ = optional_inner(tp)
            kind = input_kind(name, tp)
            as_text = kind in (InputKind.SCALAR, InputKind.BOOL, InputKind.DICT_STR)
            value = values.get(name)
            if value is None:
                if name not in values and not optional:
                    raise TypeError(f"Missing required input: {name!r}")
                wired[name] = "" if as_text and (optional or kind is InputKind.DICT_STR) else None
                continue
            if kind is InputKind.DICT_STR and isinstance(value, dict):
                words: list[str] = []
                for k, v in value.items():
                    if RECORD_SEP in k or RECORD_SEP in v:
                        raise ValueError(f"dict input {name!r}: keys/values cannot contain the record-separator byte (\\x1e).")
                    words += [k, v]
                wired[name] = RECORD_SEP.join(words)
            elif optional and kind is InputKind.BOOL:
                wired[name] = "true" if value else "false"
            elif optional and kind is InputKind.SCALAR:
                wired[name] = str(value)
            else:
                wired[name] = value
        return wired

    async def _unpack(self, raw: Any) -> Any:
        """A Glob output (a Dir on the wire) as the list of its files matching the pattern."""
        single = len(self.outputs) == 1
        values = [raw] if single else list(raw) if isinstance(raw, tuple) else [raw]
        if len(values) != len(self.outputs):
            return raw
        out = []
        for spec, value in zip(self.outputs.values(), values):
            if isinstance(spec, Glob) and isinstance(value, Dir):
                local = pathlib.Path(await value.download())
                out.append([await File.from_local(str(p)) for p in sorted(local.glob(spec.pattern)) if p.is_file()])
            else:
                out.append(value)
        return out[0] if single else tuple(out)


class _ShellContainerTask(ContainerTask):
    """The container task of a shell task: files staged under their own names, and a failure
    reported with the script's exit code and what it printed."""

    def __init__(self, spec: ShellTask):
        self.shell_spec = spec
        super().__init__(
            name=spec.name, image=spec.image, command=spec.command(), inputs=spec.wire_inputs(),
            outputs=spec.wire_outputs(), input_data_dir=str(spec.input_data_dir),
            output_data_dir=str(spec.output_data_dir), resources=spec.resources or Resources(cpu=1, memory="1Gi"),
            retries=spec.retries, timeout=spec.timeout, cache=spec.cache, env_vars=spec.env_vars,
            secrets=spec.secrets, local_logs=spec.local_logs, file_input_layout="NAMED_DIR")

    async def _collect(self, outcome: ProcessOutcome) -> Tuple[Any, ...]:
        d = outcome.outputs_dir
        rc_text = _read(d / "_returncode").strip()
        rc = int(rc_text) if rc_text.lstrip("-").isdigit() else outcome.returncode
        if rc == 0 and outcome.returncode != 0:
            rc = outcome.returncode  # the wrapper itself failed (e.g. bash missing)
        streams = _streams(self.shell_spec, d, outcome)
        if rc != 0:
            raise ContainerError(f"Shell task {self.name!r}: script exited with returncode={rc}.\n{streams}"
                                 f"{outcome.hint(rc)}")
        try:
            return await self._read_outputs(d)
        except ContainerError as e:
            raise ContainerError(f"{e}\n\nScript exited with returncode={rc}.\n{streams}") from None


def _read(path: pathlib.Path) -> str:
    try:
        return path.read_text(errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return ""


def _streams(spec: ShellTask, d: pathlib.Path, outcome: ProcessOutcome) -> str:
    out_name = next((n for n, s in spec.outputs.items() if isinstance(s, Stdout)), "_stdout")
    err_name = next((n for n, s in spec.outputs.items() if isinstance(s, Stderr)), "_stderr")
    text = ""
    for label, content in (("stdout", _read(d / out_name)), ("stderr", _read(d / err_name) + outcome.stderr)):
        cut = content if len(content) <= _STREAM_LIMIT else content[:_STREAM_LIMIT] + f"\n... [truncated {len(content) - _STREAM_LIMIT} bytes]"
        text += f"--- {label} ({len(content)} bytes) ---\n{cut}{'' if cut.endswith(chr(10)) or not cut else chr(10)}"
    return text


def _check_defaults(defaults: dict[str, Any], inputs: dict[str, Type]) -> dict[str, Any]:
    """Each default names a declared input and has its type (None is refused: declare `T | None`)."""
    for name, value in defaults.items():
        if name not in inputs:
            raise KeyError(f"defaults references {name!r} which is not declared in inputs.")
        if value is None:
            raise ValueError(f"defaults[{name!r}] = None is redundant; declare the input as `T | None` and omit it "
                             f"from defaults instead.")
        kind = input_kind(name, inputs[name])
        inner = optional_inner(inputs[name])[1]

        def wrong(expected: str, name: str = name, value: Any = value) -> TypeError:
            return TypeError(f"defaults[{name!r}]: expected {expected}, got {type(value).__name__}.")

        if kind is InputKind.FILE and not isinstance(value, File):
            raise wrong("File")
        if kind is InputKind.DIR and not isinstance(value, Dir):
            raise wrong("Dir")
        if kind is InputKind.LIST_FILE:
            if not isinstance(value, list):
                raise wrong("list[File]")
            if not all(isinstance(v, File) for v in value):
                raise TypeError(f"defaults[{name!r}]: list[File] requires every item to be a File.")
        if kind is InputKind.BOOL and not isinstance(value, bool):
            raise wrong("bool")
        if kind is InputKind.DICT_STR:
            if not isinstance(value, dict):
                raise wrong("dict[str, str]")
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                raise TypeError(f"defaults[{name!r}]: dict[str, str] requires string keys and values.")
        if kind is InputKind.SCALAR:
            ok = {int: (int,), float: (int, float), str: (str,)}[inner]
            if not isinstance(value, ok) or isinstance(value, bool):
                raise wrong(inner.__name__)
    return dict(defaults)


def create(
    name: str,
    *,
    image: Union[str, Any],
    inputs: Optional[dict[str, Type]] = None,
    outputs: Optional[dict[str, Any]] = None,
    script: str,
    flag_aliases: Optional[dict[str, Union[str, Tuple[str, listMode], FlagSpec]]] = None,
    defaults: Optional[dict[str, Any]] = None,
    shell: str = "/bin/bash",
    debug: bool = False,
    resources: Optional[Resources] = None,
    retries: int = 0,
    timeout: Optional[int] = None,
    cache: str = "auto",
    env_vars: Optional[dict[str, str]] = None,
    secrets: Optional[list] = None,
    local_logs: bool = True,
) -> ShellTask:
    """A CLI tool in a container image as a typed task.

    `inputs`: File, Dir, list[File], dict[str, str], int/float/str/bool, or `T | None` of those.
    `outputs`: File, Dir, int/float/str/bool (the script writes `{outputs.<name>}`), `Glob(pattern)`
    (files written into `{outputs.<name>}/`, returned as `list[File]`), `Stdout()`/`Stderr()`
    (the stream, as a File or a primitive). `script` is bash with `{inputs.x}`, `{flags.x}` and
    `{outputs.x}` placeholders; do not quote `{inputs.x}` yourself, scalars arrive quoted.
    `flag_aliases` spell `{flags.x}` (a flag, `(flag, mode)` or a FlagSpec); `defaults` fill inputs
    the caller leaves out. Everything is checked here, so a bad declaration fails at import.
    """
    inputs = dict(inputs or {})
    outputs = dict(outputs or {})
    helpers: dict[str, str] = {}
    for n in inputs:
        for helper in (f"_VAL_{n}", f"_FLAG_{n}", f"_ARR_{n}"):
            if helper in helpers:
                raise ValueError(f"Input names {helpers[helper]!r} and {n!r} collide in generated shell helper name "
                                 f"{helper!r}. Rename one input.")
            helpers[helper] = n
    for n, tp in inputs.items():
        input_kind(n, tp)
    check_outputs(outputs)
    aliases: dict[str, FlagSpec] = {}
    for n, alias in (flag_aliases or {}).items():
        if n not in inputs:
            raise KeyError(f"flag_aliases references {n!r} which is not declared in inputs.")
        aliases[n] = FlagSpec.coerce(n, alias)
    checked_defaults = _check_defaults(defaults or {}, inputs)
    from ..._image import Image

    if not isinstance(image, (str, Image)):
        raise TypeError(f"image must be a URI string or a flyte.Image, got {type(image).__name__}.")
    return ShellTask(name, image, inputs, outputs, script, aliases, checked_defaults, shell, debug, resources,
                     retries, timeout, cache, env_vars, secrets, local_logs)

