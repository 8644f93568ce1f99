"""What a shell task declares: the kinds of inputs it takes, the outputs it collects, and how an
input is spelled as a command-line flag."""

from __future__ import annotations

import enum
import types
from dataclasses import dataclass
from typing import Any, Literal, Tuple, Type, Union, cast, get_args, get_origin

from ...io import Dir, File

listMode = Literal["join", "repeat", "comma"]
DictMode = Literal["pairs", "equals"]
_LIST_MODES = ("join", "repeat", "comma")
_DICT_MODES = ("pairs", "equals")
SCALARS: frozenset = frozenset({int, float, str, bool})


class InputKind(enum.Enum):
    """How an input reaches the script."""

    BOOL = "bool"  # a positional argument, "true"/"false"
    SCALAR = "scalar"  # a positional argument (int, float, str)
    FILE = "file"  # staged in a directory of its own under its own name
    DIR = "dir"  # the directory itself
    LIST_FILE = "list_file"  # a directory of files
    DICT_STR = "dict_str"  # one positional argument, keys and values joined by a record separator


@dataclass(frozen=True)
class Glob:
    """Output: the files matching `pattern` that the script writes into `{outputs.<name>}/`, as a
    `list[File]` (a `Dir` on the wire)."""

    pattern: str = "*"


def _check_stream_type(collector: str, tp: Any) -> None:
    if tp is not File and tp not in SCALARS:
        raise TypeError(f"{collector}.type must be File or a primitive (int/float/str/bool), got {tp!r}.")


@dataclass(frozen=True)
class Stdout:
    """Output: what the script prints on stdout, as a File (default) or read as int/float/str/bool."""

    type: Type = File

    def __post_init__(self) -> None:
        _check_stream_type("Stdout", self.type)


@dataclass(frozen=True)
class Stderr:
    """Output: what the script prints on stderr (see `Stdout`)."""

    type: Type = File

    def __post_init__(self) -> None:
        _check_stream_type("Stderr", self.type)


OutputSpec = Union[Type, Glob, Stdout, Stderr]


@dataclass(frozen=True)
class FlagSpec:
    """How `{flags.<name>}` spells an input: the flag, how a list is laid out (`join`: `-f a b`,
    `repeat`: `-f a -f b`, `comma`: `-f a,b`), what separates a scalar flag from its value, and how
    a dict is laid out (`pairs`: `k v ...`, `equals`: `-fk=v ...`)."""

    flag: str
    list_mode: listMode = "join"
    separator: str = " "
    dict_mode: DictMode = "pairs"

    @classmethod
    def coerce(cls, name: str, alias: Union[str, Tuple[str, str], FlagSpec, None]) -> FlagSpec:
        """A FlagSpec from what `flag_aliases` may hold: nothing (`-<name>`), a flag, a
        `(flag, mode)` pair or a FlagSpec (returned as is)."""
        if alias is None:
            return cls(flag=f"-{name}")
        if isinstance(alias, FlagSpec):
            return alias
        if isinstance(alias, str):
            return cls(flag=alias)
        if isinstance(alias, tuple) and len(alias) == 2:
            flag, mode = alias
            if mode in _LIST_MODES:
                return cls(flag=flag, list_mode=cast(listMode, mode))
            if mode in _DICT_MODES:
                return cls(flag=flag, dict_mode=cast(DictMode, mode))
            raise TypeError(f"Invalid mode {mode!r} for flag_aliases[{name!r}]. "
                            f"Expected one of: join/repeat/comma (lists), pairs/equals (dicts).")
        raise TypeError(f"Invalid flag_aliases entry for {name!r}: {alias!r}")


def optional_inner(tp: Any) -> Tuple[bool, Any]:
    """(True, T) for `Optional[T]` / `T | None`, else (False, tp)."""
    if get_origin(tp) in (Union, types.UnionType):
        args = get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(args) == 2 and len(rest) == 1:
            return True, rest[0]
    return False, tp


def input_kind(name: str, tp: Any) -> InputKind:
    """The kind of a declared input type; any other type is a TypeError naming the input."""
    _, inner = optional_inner(tp)
    if inner is bool:
        return InputKind.BOOL
    if inner in SCALARS:
        return InputKind.SCALAR
    if inner is File:
        return InputKind.FILE
    if inner is Dir:
        return InputKind.DIR
    if get_origin(inner) is list and get_args(inner) == (File,):
        return InputKind.LIST_FILE
    if get_origin(inner) is dict and get_args(inner) == (str, str):
        return InputKind.DICT_STR
    raise TypeError(f"Unsupported input type for {name!r}: {tp!r}. Supported: File, Dir, list[File], "
                    f"dict[str, str], int, float, str, bool, or T | None of those.")


def check_outputs(outputs: dict[str, Any]) -> None:
    for name, spec in outputs.items():
        if isinstance(spec, (Glob, Stdout, Stderr)):
            continue
        if isinstance(spec, type) and (issubclass(spec, (File, Dir)) or spec in SCALARS):
            continue
        raise TypeError(f"Output {name!r}: expected a bare type (File, Dir, int, float, str, bool) or a collector "
                        f"(Glob, Stdout, Stderr). Got {spec!r}.")
