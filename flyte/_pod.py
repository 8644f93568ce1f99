"""Kubernetes pod template, kept on the environment for remote runs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional


@dataclass
class PodTemplate:
    pod_spec: Optional[Any] = None
    primary_container_name: str = "primary"
    labels: Optional[dict[str, str]] = None
    annotations: Optional[dict[str, str]] = None
    termination_grace_period: Optional[int] = None

    @classmethod
    def from_spec(
        cls,
        pod_spec: Any,
        *,
        primary_container_name: Optional[str] = None,
        labels: Optional[dict[str, str]] = None,
        annotations: Optional[dict[str, str]] = None,
    ) -> PodTemplate:
        return cls(pod_spec, primary_container_name or "primary", labels, annotations)

    def with_termination_grace_period(self, termination_grace_period: int) -> PodTemplate:
        return replace(self, termination_grace_period=termination_grace_period)
