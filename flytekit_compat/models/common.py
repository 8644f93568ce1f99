from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Labels:
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Annotations:
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class AuthRole:
    assumable_iam_role: Optional[str] = None
    kubernetes_service_account: Optional[str] = None


@dataclass
class RawOutputDataConfig:
    output_location_prefix: str = ""
