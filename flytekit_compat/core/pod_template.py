"""`PodTemplate`: a Kubernetes pod template for a task (kept for deployment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

PRIMARY_CONTAINER_DEFAULT_NAME = "primary"


@dataclass
class PodTemplate:
    pod_spec: Optional[Any] = None
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME
    labels: Optional[dict[str, str]] = None
    annotations: Optional[dict[str, str]] = field(default=None)
