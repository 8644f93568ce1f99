"""A shell task's script template rendered into the bash the container runs.

Values never appear in the script text: every scalar, bool and dict input travels as a positional
argument of `bash -c` (filled in by `ContainerTask` from `{{.inputs.<name>}}` templates), so
quotes, dollars and backticks in a value cannot change the script. The script reads them into
variables in a preamble, where the flags are also assembled (as bash arrays where they hold
several words).
"""

from __future__ import annotations

import pathlib
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from ._spec import FlagSpec, InputKind, Stderr, Stdout, input_kind, optional_inner

RECORD_SEP = "\x1e"  # joins a dict input's keys and values into one argument
_PLACEHOLDER = re.compile(r"\{(inputs|flags|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\}")
_ANY_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\.[A-Za-z_]\w*\}")


@dataclass
class RenderedScript:
    body: str  # the preamble and the user's script with every placeholder replaced
    positional: list[str] = field(default_factory=list)  # `{{.inputs.x}}` for $1, $2, ...


@dataclass
class _Builder:
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    flags: dict[str, FlagSpec]
    input_dir: pathlib.Path
    output_dir: pathlib.Path
    preamble: list[str] = field(default_factory=list)
    positional: list[str] = field(default_factory=list)
    slots: dict[str, str] = field(default_factory=dict)
    arrays: dict[str, str] = field(default_factory=dict)
    flag_vars: dict[str, str] = field(default_factory=dict)

    def kind(self, name: str) -> InputKind:
        return input_kind(name, self.inputs[name])

    def slot(self, name: str) -> str:
        """The variable holding input `name`'s positional argument (one per input)."""
        if name not in self.slots:
            self.positional.append(f"{{{{.inputs.{name}}}}}")
            var = self.slots[name] = f"_VAL_{name}"
            # ${10}, not $10: bash reads $10 as $1 followed by "0"
            self.preamble.append(f'{var}="${{{len(self.positional)}}}"')
        return self.slots[name]

    def array(self, name: str) -> str:
        """The bash array of a dict input's keys and values, in order."""
        if name not in self.arrays:
            val = self.slot(name)
            arr = self.arrays[name] = f"_ARR_{name}"
            self.preamble.append(f"{arr}=(); if [ -n \"${{{val}}}\" ]; then IFS=$'\\x1e' read -ra {arr} <<< \"${{{val}}}\"; fi")
        return self.arrays[name]

    def input_ref(self, name: str) -> str:
        if name not in self.inputs:
            raise KeyError(f"{{inputs.{name}}} used in script but {name!r} is not declared in inputs.")
        kind = self.kind(name)
        if kind is InputKind.DIR:
            return str(self.input_dir / name)
        if kind in (InputKind.FILE, InputKind.LIST_FILE):
            return f"{self.input_dir / name}/*"  # a File is staged in a directory of its own, too
        if kind is InputKind.DICT_STR:
            return f'"${{{self.array(name)}[@]}}"'
        return f'"${{{self.slot(name)}}}"'

    def flag_ref(self, name: str) -> str:
        if name not in self.flags:
            raise KeyError(f"{{flags.{name}}} used in script but {name!r} is not in inputs. "
                           f"Did you forget to declare it or did you misspell?")
        kind = self.kind(name)
        var = f"_FLAG_{name}"
        if name not in self.flag_vars:
            self.flag_vars[name] = var
            self.preamble.append(self._flag_setter(name, kind, self.flags[name], var))
        if kind in (InputKind.FILE, InputKind.LIST_FILE, InputKind.DICT_STR):
            return f'"${{{var}[@]}}"'
        return f"${{{var}}}"

    def _flag_setter(self, name: str, kind: InputKind, spec: FlagSpec, var: str) -> str:
        flag = spec.flag
        if kind is InputKind.BOOL:
            return f'if [ "${{{self.slot(name)}}}" = "true" ]; then {var}={shlex.quote(flag)}; else {var}=""; fi'
        if kind is InputKind.SCALAR:
            val = self.slot(name)
            return f'if [ -n "${{{val}}}" ]; then {var}={shlex.quote(flag + spec.separator)}"${{{val}}}"; else {var}=""; fi'
        if kind is InputKind.DIR:
            path = str(self.input_dir / name)
            set_it = f"{var}={shlex.quote(flag + spec.separator + path)}"
            if not optional_inner(self.inputs[name])[0]:
                return set_it
            # an optional Dir left out is absent or empty
            q = shlex.quote(path)
            return f'if [ -d {q} ] && [ -n "$(ls -A {q} 2>/dev/null)" ]; then {set_it}; else {var}=""; fi'
        if kind in (InputKind.FILE, InputKind.LIST_FILE):
            files = f"{self.input_dir / name}/*"
            qflag = shlex.quote(flag)
            # nullglob: no files (an optional File left out) means no flag at all
            if spec.list_mode == "repeat":
                return f'{var}=(); shopt -s nullglob; for _f in {files}; do {var}+=({qflag} "$_f"); done; shopt -u nullglob'
            if spec.list_mode == "comma":
                return (f'_joined=""; shopt -s nullglob; for _f in {files}; do _joined="${{_joined}}${{_joined:+,}}$_f"; '
                        f'done; shopt -u nullglob; {var}=(); if [ -n "$_joined" ]; then {var}=({qflag} "$_joined"); fi')
            return (f'{var}=(); shopt -s nullglob; for _f in {files}; do {var}+=("$_f"); done; shopt -u nullglob; '
                    f'if [ "${{#{var}[@]}}" -gt 0 ]; then {var}=({qflag} "${{{var}[@]}}"); fi')
        arr = self.array(name)
        if spec.dict_mode == "equals":
            return (f'{var}=(); for ((_i=0; _i<${{#{arr}[@]}}; _i+=2)); do '
                    f'{var}+=({shlex.quote(flag)}"${{{arr}[_i]}}=${{{arr}[_i+1]}}"); done')
        return f'{var}=("${{{arr}[@]}}")'

    def output_ref(self, name: str) -> str:
        if name not in self.outputs:
            raise KeyError(f"{{outputs.{name}}} references an unknown output. Declared outputs: {list(self.outputs)}")
        if isinstance(self.outputs[name], (Stdout, Stderr)):
            raise KeyError(f"{{outputs.{name}}} is not valid for Stdout/Stderr collectors: the task sends the "
                           f"script's stream there itself, so the script must not write to it.")
        return str(self.output_dir / name)


def render_script(script: str, inputs: dict[str, Any], outputs: dict[str, Any], flags: dict[str, FlagSpec],
                  input_dir: pathlib.Path, output_dir: pathlib.Path) -> RenderedScript:
    """`script` with `{inputs.x}`, `{flags.x}` and `{outputs.x}` replaced; an unknown name is a
    KeyError, any other `{a.b}` left in the script a ValueError."""
    b = _Builder(inputs, outputs, flags, input_dir, output_dir)
    refs = {"inputs": b.input_ref, "flags": b.flag_ref, "outputs": b.output_ref}
    body = _PLACEHOLDER.sub(lambda m: refs[m.group(1)](m.group(2)), script)
    left = _ANY_PLACEHOLDER.search(body)
    if left:
        raise ValueError(f"Unrecognized placeholder in script: {left.group(0)}. "
                         f"Use {{inputs.<name>}}, {{flags.<name>}}, or {{outputs.<name>}}.")
    if b.preamble:
        body = "\n".join(b.preamble) + "\n" + body
    return RenderedScript(body, b.positional)
