"""Notification settings: who hears about a run reaching a phase, and what they are told.

The objects validate as the SDK's do (a supported phase, the recipient or URL they need) and are
frozen. Templates use the SDK's placeholders (`{{.Run.Name}}`, `{{.Run.Project}}`,
`{{.Run.Domain}}`, `{{.Phase}}`, `{{.Error}}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Literal, Optional, Tuple, Union

from ..models import ActionPhase

# The phases a notification can fire on: the ones a run ends in.
SUPPORTED_PHASES = (ActionPhase.SUCCEEDED, ActionPhase.FAILED, ActionPhase.TIMED_OUT, ActionPhase.ABORTED)

_SUBJECT = "Run {{.Run.Name}} {{.Phase}}"
_DETAILS = ("Run: {{.Run.Name}}\nProject/Domain: {{.Run.Project}}/{{.Run.Domain}}\nPhase: {{.Phase}}\n"
            "Error: {{.Error}}\n")
_SLACK_MESSAGE = "Run: {{.Run.Name}} finished with phase {{.Phase}}\n | {{.Run.Project}}/{{.Run.Domain}}\n"

PhaseSpec = Union[ActionPhase, Tuple[ActionPhase, ...]]


def _phases(on_phase: Any) -> Tuple[ActionPhase, ...]:
    items = (on_phase,) if isinstance(on_phase, (ActionPhase, str)) else tuple(on_phase)
    if not items:
        raise ValueError("At least one phase must be specified")
    phases = tuple(p if isinstance(p, ActionPhase) else ActionPhase(p) for p in items)
    for p in phases:
        if p not in SUPPORTED_PHASES:
            raise ValueError(f"Notification on phase ActionPhase.{p.name} is not supported.")
    return phases


@dataclass(frozen=True, kw_only=True)
class Notification:
    """Fires when the run reaches one of `on_phase` (succeeded, failed, timed out, aborted)."""

    on_phase: PhaseSpec

    def __post_init__(self) -> None:
        object.__setattr__(self, "on_phase", _phases(self.on_phase))


def _as_tuple(obj: Any, name: str) -> None:
    value = getattr(obj, name)
    if value is not None and not isinstance(value, tuple):
        object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True, kw_only=True)
class Email(Notification):
    recipients: Tuple[str, ...]
    cc: Tuple[str, ...] = ()
    bcc: Tuple[str, ...] = ()
    subject: str = _SUBJECT
    body: str = _DETAILS
    html_body: Optional[str] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("recipients", "cc", "bcc"):
            _as_tuple(self, name)
        if not self.recipients:
            raise ValueError("At least one recipient must be specified")


@dataclass(frozen=True, kw_only=True)
class Slack(Notification):
    webhook_url: str
    message: Optional[str] = None
    blocks: Optional[Tuple[Dict[str, Any], ...]] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.webhook_url:
            raise ValueError("webhook_url is required")
        _as_tuple(self, "blocks")
        if self.message is None:
            object.__setattr__(self, "message", _SLACK_MESSAGE)


@dataclass(frozen=True, kw_only=True)
class Teams(Notification):
    webhook_url: str
    title: str = _SUBJECT
    message: Optional[str] = None
    card: Optional[Dict[str, Any]] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.webhook_url:
            raise ValueError("webhook_url is required")
        if self.message is None:
            object.__setattr__(self, "message", _DETAILS)


@dataclass(frozen=True, kw_only=True)
class Webhook(Notification):
    url: str
    method: Literal["POST", "PUT", "PATCH", "GET", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"] = "POST"
    headers: Optional[Dict[str, str]] = None
    body: Optional[Dict[str, Any]] = field(default=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.url:
            raise ValueError("url is required")
        if self.body is None:
            object.__setattr__(self, "body", {"run": "{{.Run.Name}}", "project": "{{.Run.Project}}",
                                              "domain": "{{.Run.Domain}}", "phase": "{{.Phase}}",
                                              "error": "{{.Error}}"})


@dataclass(frozen=True, kw_only=True)
class NamedDelivery(Notification):
    """A delivery configuration defined on the Flyte backend, by name."""

    name: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name:
            raise ValueError("Delivery config name must not be empty")


@dataclass(frozen=True)
class NamedRule:
    """A notification rule defined on the Flyte backend, by name."""

    name: str

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("Rule name must not be empty")


Notifications = Union[NamedRule, Notification, Tuple[Notification, ...]]
