from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Description:
    value: Optional[str] = None
    uri: Optional[str] = None
    icon_link: Optional[str] = None


@dataclass
class SourceCode:
    link: Optional[str] = None


@dataclass
class Documentation:
    short_description: Optional[str] = None
    long_description: Optional[Description] = None
    source_code: Optional[SourceCode] = None


def documentation_from(fn: object) -> Optional[Documentation]:
    """A Documentation from a function's docstring (None if it has none), as flytekit builds it."""
    from ..core.docstring import Docstring

    if not getattr(fn, "__doc__", None):
        return None
    doc = Docstring(callable_=fn)  # type: ignore[arg-type]
    long = Description(value=doc.long_description) if doc.long_description else None
    return Documentation(short_description=doc.short_description, long_description=long)
