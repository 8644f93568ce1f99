"""Reading call arguments the way flytekit's signatures would bind them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

from .._cst import Note, arg_notes


def bind(call: cst.Call, positional: Sequence[str] = ()) -> Optional[dict[str, cst.BaseExpression]]:
    """Keyword -> value for a call, mapping positional arguments onto `positional` names.

    Returns None when the call uses `*args`/`**kwargs` or more positionals than we know, because
    then we cannot tell which value is which.
    """
    out: dict[str, cst.BaseExpression] = {}
    pos = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if pos >= len(positional):
                return None
            out[positional[pos]] = arg.value
            pos += 1
        else:
            out[arg.keyword.value] = arg.value
    return out


def is_true(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def is_false(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value in ("False", "None")


def elements(node: cst.BaseExpression) -> Optional[list[cst.BaseExpression]]:
    """The items of a list/tuple/set literal, or None when it is not one (or has `*x`)."""
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        out = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                return None
            out.append(el.value)
        return out
    return None


def notes(call: cst.Call, positional: Sequence[str] = ()) -> dict[str, Note]:
    """Keyword -> the comments around that argument (as `bind` names them), for a rule that
    rebuilds the call and hands each comment to the argument replacing the old one. Comments
    after the last argument are filed under `""`."""
    per_arg, footer = arg_notes(call)
    out: dict[str, Note] = {}
    pos = 0
    for arg, note in zip(call.args, per_arg, strict=False):
        if arg.keyword is not None:
            key = arg.keyword.value
        elif not arg.star and pos < len(positional):
            key = positional[pos]
            pos += 1
        else:
            key = f"*{pos}"
            pos += 1
        if note:
            out[key] = note
    if footer:
        out[""] = Note(footer)
    return out


def all_notes(found: dict[str, Note]) -> Note:
    """Every comment of a call as one note (for a call that becomes one argument)."""
    total = Note()
    for note in found.values():
        total = total + note
    return total
