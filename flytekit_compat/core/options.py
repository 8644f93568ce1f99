"""`Options` for an execution (labels, annotations, raw output location); kept for launch plans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass
class Options:
    labels: Optional[Any] = None
    annotations: Optional[Any] = None
    raw_output_data_config: Optional[Any] = None
    security_context: Optional[Any] = None
    max_parallelism: Optional[int] = None
    notifications: Optional[Any] = None
    disable_notifications: Optional[bool] = None
    overwrite_cache: Optional[bool] = None

    @classmethod
    def default_from(cls, k8s_service_account: Optional[str] = None, raw_data_prefix: Optional[str] = None) -> Options:
        return cls()
