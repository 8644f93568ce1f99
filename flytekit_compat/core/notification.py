from .._notification import Email, Notification, PagerDuty, Slack

__all__ = ["Email", "Notification", "PagerDuty", "Slack"]
