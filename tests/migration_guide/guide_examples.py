"""Reads the runnable examples out of the migration guide's Markdown.

An example is a fenced block preceded by an HTML comment (invisible when rendered):

    <!-- example: fanout/flyte1 -->      a Flyte 1 program (runs on the flytekit shim)
    <!-- example: fanout/flyte2 -->      the same program in Flyte 2 (runs on our runtime and the SDK)
    <!-- example: fanout/output -->      what both print, exactly

A variant may add `real-sdk: skip (why)` when the real SDK's local mode cannot run it, and
`executor: ray` when it is meant for the Ray executor (the tests run it on a two-node Ray
cluster, with FLYTE_EXECUTOR=ray). Any other
Python block must be marked `<!-- fragment -->`: it is only compiled. An unmarked Python block is
an error, so nothing in the guide escapes the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

GUIDE = Path(__file__).resolve().parents[2] / "migration_guide"

_MARKER = re.compile(r"<!--\s*(example:\s*(?P<id>[\w-]+)/(?P<variant>flyte1|flyte2|output)(?P<opts>[^>]*?)|(?P<fragment>fragment))\s*-->")
_FENCE = re.compile(r"^```(?P<lang>\w*)\s*$")


@dataclass
class Variant:
    code: str
    line: int
    sdk_skip: Optional[str] = None
    executor: Optional[str] = None  # FLYTE_EXECUTOR for our runtime's run (None: the default)


@dataclass
class Example:
    doc: str
    id: str
    variants: dict[str, Variant] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.id}"


@dataclass
class Fragment:
    doc: str
    line: int
    code: str


class GuideError(ValueError):
    """The guide's Markdown breaks the example conventions above."""


def _blocks(text: str) -> list[tuple[int, str, str, Optional[re.Match[str]]]]:
    """Every fenced block as (line, language, body, marker just before it)."""
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group("lang")
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            raise GuideError(f"unclosed code fence at line {start + 1}")
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = _MARKER.search(lines[k]) if k >= 0 else None
        out.append((start + 1, lang, "\n".join(lines[start + 1 : j]) + "\n", marker))
        i = j + 1
    return out


def parse(path: Path) -> tuple[list[Example], list[Fragment]]:
    """The examples and fragments of one guide page, checked for completeness."""
    doc = path.name
    examples: dict[str, Example] = {}
    fragments: list[Fragment] = []
    for line, lang, body, marker in _blocks(path.read_text()):
        if marker is None:
            if lang == "python":
                raise GuideError(f"{doc}:{line}: python block has no <!-- example: ... --> or <!-- fragment --> marker")
            continue
        if marker.group("fragment"):
            fragments.append(Fragment(doc, line, body))
            continue
        ex = examples.setdefault(marker.group("id"), Example(doc, marker.group("id")))
        variant = marker.group("variant")
        if variant in ex.variants:
            raise GuideError(f"{doc}:{line}: example {ex.id!r} has two {variant} blocks")
        opts = marker.group("opts") or ""
        skip = re.search(r"real-sdk:\s*skip\s*\((?P<why>[^)]*)\)", opts)
        executor = re.search(r"executor:\s*(?P<name>\w+)", opts)
        if executor is not None and executor.group("name") not in ("ray", "process", "inline"):
            raise GuideError(f"{doc}:{line}: unknown executor {executor.group('name')!r}")
        ex.variants[variant] = Variant(body, line, skip.group("why") if skip else None,
                                       executor.group("name") if executor else None)
    for ex in examples.values():
        if "output" not in ex.variants:
            raise GuideError(f"{doc}: example {ex.id!r} has no output block")
        if not ({"flyte1", "flyte2"} & ex.variants.keys()):
            raise GuideError(f"{doc}: example {ex.id!r} has no program")
    return list(examples.values()), fragments


def pages() -> list[Path]:
    return sorted(GUIDE.glob("*.md"))


def all_examples() -> list[Example]:
    return [ex for page in pages() for ex in parse(page)[0]]


def all_fragments() -> list[Fragment]:
    return [fr for page in pages() for fr in parse(page)[1]]
