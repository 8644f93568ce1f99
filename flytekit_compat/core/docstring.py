"""`Docstring`: the descriptions in a function's docstring (sphinx, numpy or google style).

flytekit shows these as the descriptions of a task's inputs and outputs; launch plans and
workflows carry them as documentation.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, Optional

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns|Return|Yields|Raises|Examples?|Notes?)\s*:?\s*$")


class Docstring:
    def __init__(self, docstring: Optional[str] = None, callable_: Optional[Callable[..., Any]] = None):
        if docstring is None and callable_ is not None:
            docstring = callable_.__doc__
        self._text = inspect.cleandoc(docstring) if docstring else ""
        self.input_descriptions: dict[str, str] = {}
        self.output_descriptions: dict[str, str] = {}
        self.short_description: Optional[str] = None
        self.long_description: Optional[str] = None
        if self._text:
            self._parse(self._text.splitlines())

    @property
    def docstring(self) -> str:
        return self._text

    def _parse(self, lines: list[str]) -> None:
        body_end = next((i for i, line in enumerate(lines) if _starts_structure(lines, i)), len(lines))
        paragraphs = [p.strip() for p in "\n".join(lines[:body_end]).split("\n\n") if p.strip()]
        if paragraphs:
            self.short_description = paragraphs[0]
            if len(paragraphs) > 1:
                self.long_description = "\n\n".join(paragraphs[1:])
        rest = lines[body_end:]
        if any(line.lstrip().startswith(":") for line in rest):
            self._parse_sphinx(rest)
        elif any(i + 1 < len(rest) and re.match(r"^\s*-{3,}\s*$", rest[i + 1]) for i in range(len(rest))):
            self._parse_numpy(rest)
        else:
            self._parse_google(rest)

    def _parse_sphinx(self, lines: list[str]) -> None:
        text = "\n".join(lines)
        for m in re.finditer(r"^:(param|parameter|arg|argument)\s+(?:\S+\s+)?(\w+):\s*(.*?)(?=^:|\Z)", text, re.M | re.S):
            self.input_descriptions[m.group(2)] = " ".join(m.group(3).split())
        for m in re.finditer(r"^:(return|returns):\s*(.*?)(?=^:|\Z)", text, re.M | re.S):
            self.output_descriptions["o0"] = " ".join(m.group(2).split())

    def _parse_numpy(self, lines: list[str]) -> None:
        section = None
        current: Optional[tuple[dict[str, str], str]] = None
        i = 0
        while i < len(lines):
            line = lines[i]
            if i + 1 < len(lines) and re.match(r"^\s*-{3,}\s*$", lines[i + 1]):
                section = line.strip().lower()
                current = None
                i += 2
                continue
            target = self.input_descriptions if section in ("parameters", "params", "args") else (
                self.output_descriptions if section in ("returns", "return", "yields") else None)
            if target is not None and line.strip():
                if not line.startswith((" ", "\t")):
                    name = line.split(":")[0].strip()
                    if target is self.output_descriptions and len(line.split(":")) == 1:
                        name = f"o{len(target)}"
                    target[name] = ""
                    current = (target, name)
                elif current is not None:
                    d, n = current
                    d[n] = (d[n] + " " + line.strip()).strip()
            i += 1

    def _parse_google(self, lines: list[str]) -> None:
        section = None
        current: Optional[tuple[dict[str, str], str]] = None
        for line in lines:
            m = _SECTION.match(line)
            if m:
                name = m.group(1).lower()
                section = "in" if name in ("args", "arguments", "parameters", "params") else (
                    "out" if name in ("returns", "return", "yields") else None)
                current = None
                continue
            if section is None or not line.strip():
                continue
            stripped = line.strip()
            if section == "in":
                m2 = re.match(r"^(\w+)\s*(?:\(.*?\))?\s*:\s*(.*)$", stripped)
                if m2:
                    self.input_descriptions[m2.group(1)] = m2.group(2).strip()
                    current = (self.input_descriptions, m2.group(1))
                elif current is not None:
                    d, n = current
                    d[n] = (d[n] + " " + stripped).strip()
            else:
                m2 = re.match(r"^[\w\[\], .]+:\s*(.*)$", stripped)
                key = f"o{len(self.output_descriptions)}"
                if current is None:
                    self.output_descriptions[key] = (m2.group(1) if m2 else stripped).strip()
                    current = (self.output_descriptions, key)
                else:
                    d, n = current
                    d[n] = (d[n] + " " + stripped).strip()


def _starts_structure(lines: list[str], i: int) -> bool:
    line = lines[i]
    if line.lstrip().startswith(":"):
        return True
    if _SECTION.match(line) and (line.rstrip().endswith(":") or (i + 1 < len(lines) and re.match(r"^\s*-{3,}", lines[i + 1]))):
        return True
    return False


__all__ = ["Docstring"]
