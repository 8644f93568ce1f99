"""Links shown next to an action (dashboards, logs)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Link(Protocol):
    def get_link(
        self,
        run_name: str,
        project: str,
        domain: str,
        context: dict[str, str],
        parent_action_name: str,
        action_name: str,
        pod_name: str,
        **kwargs: object,
    ) -> str: ...
