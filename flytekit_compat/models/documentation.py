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
