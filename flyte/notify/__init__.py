"""Notifications: tell people when a run succeeds, fails, times out or is aborted.

Attach them to a run (`flyte.with_runcontext(notifications=...)`) or a trigger
(`flyte.Trigger(..., notifications=...)`). A Flyte backend e-mails or posts them; this local
runtime delivers them to the console and to the run's `notifications.jsonl`.
"""

from ._notifiers import Email, NamedDelivery, NamedRule, Notification, Slack, Teams, Webhook

__all__ = ["Email", "NamedDelivery", "NamedRule", "Notification", "Slack", "Teams", "Webhook"]
