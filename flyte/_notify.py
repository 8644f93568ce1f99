"""What the runtime does with notifications: accept them, and deliver them when a local run ends.

`flyte.notify` is one of the SDK's public modules and holds exactly its names: the objects users
build (`Email`, `Slack`, `Teams`, `Webhook`, `NamedDelivery`, `NamedRule`). The runtime needs more
(checking the value given to `with_runcontext(notifications=)` or `Trigger(notifications=)`,
delivering at a run's end), and that lives here, written on `flyte.notify`'s public names only:
the public module stays the SDK's surface, and no runtime module reaches into its privates.

Local delivery: a run's notifications are written where its user looks, not sent. When a local
run ends, every notification whose `on_phase` includes the run's phase is rendered (placeholders
filled in) and delivered to the console (stderr) and to the run's notification log,
`<run dir>/notifications.jsonl`, one JSON object per delivery, appended and flushed before the
run's result is returned. Nothing is e-mailed or posted: e-mail, Slack, Teams and webhooks need
the Flyte backend's delivery service; named rules and deliveries live on a backend.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, Tuple, Union

from .models import ActionPhase
from .notify import Email, NamedDelivery, NamedRule, Notification, Slack, Teams, Webhook

logger = logging.getLogger("flyte.notify")


def render(template: Any, values: dict[str, str]) -> Any:
    """Fill the SDK's placeholders (`{{.Run.Name}}`, ...) and the `{run.name}` style ones."""
    if isinstance(template, str):
        out = template
        for key, value in values.items():
            out = out.replace(key, value)
        return out
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, (list, tuple)):
        return [render(v, values) for v in template]
    return template


def _values(run_name: str, task_name: str, phase: ActionPhase, error: str, project: str, domain: str,
            url: str) -> dict[str, str]:
    return {
        "{{.Run.Name}}": run_name, "{{.Run.Project}}": project, "{{.Run.Domain}}": domain,
        "{{.Phase}}": phase.value, "{{.Error}}": error, "{{.Run.URL}}": url, "{{.Task.Name}}": task_name,
        "{run.name}": run_name, "{run.phase}": phase.value, "{run.error}": error, "{run.url}": url,
        "{task.name}": task_name, "{project}": project, "{domain}": domain,
    }


def _describe(n: Union[Notification, NamedRule], values: dict[str, str]) -> dict[str, Any]:
    if isinstance(n, Email):
        return {"channel": "email", "to": list(n.recipients), "cc": list(n.cc), "bcc": list(n.bcc),
                "subject": render(n.subject, values), "message": render(n.body, values)}
    if isinstance(n, Slack):
        return {"channel": "slack", "to": n.webhook_url, "message": render(n.message, values),
                **({"blocks": render(list(n.blocks), values)} if n.blocks else {})}
    if isinstance(n, Teams):
        return {"channel": "teams", "to": n.webhook_url, "subject": render(n.title, values),
                "message": render(n.message, values), **({"card": render(n.card, values)} if n.card else {})}
    if isinstance(n, Webhook):
        return {"channel": "webhook", "to": f"{n.method} {n.url}", "message": json.dumps(render(n.body, values)),
                **({"headers": n.headers} if n.headers else {})}
    if isinstance(n, NamedDelivery):
        return {"channel": "named delivery", "to": n.name,
                "message": "a delivery configured on a Flyte backend; nothing to deliver locally"}
    return {"channel": "notification", "to": "", "message": repr(n)}


def deliver(notifications: tuple, *, run_name: str, task_name: str, phase: ActionPhase, error: Optional[str],
            project: str, domain: str, run_dir: Optional[Path], url: str = "") -> list[dict[str, Any]]:
    """Deliver the notifications that fire on `phase` locally; what was delivered. A failure to
    write the log is reported, never raised: a notification must not change the run's outcome."""
    values = _values(run_name, task_name, phase, error or "", project, domain, url or str(run_dir or ""))
    delivered = []
    for n in notifications:
        if isinstance(n, NamedRule):
            logger.warning("Run %s: notification rule %r is defined on a Flyte backend; not delivered locally",
                           run_name, n.name)
            continue
        if phase not in n.on_phase:
            continue
        record = {"time": time.time(), "run": run_name, "task": task_name, "phase": phase.value,
                  **_describe(n, values)}
        delivered.append(record)
        subject = f" {record['subject']}:" if record.get("subject") else ""
        print(f"🔔 notification ({record['channel']} → {record['to']}):{subject} {record['message'].strip()}",
              file=sys.stderr, flush=True)
    if delivered and run_dir is not None:
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            with open(run_dir / "notifications.jsonl", "a", encoding="utf-8") as f:
                for record in delivered:
                    f.write(json.dumps(record, default=str) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            logger.warning("Run %s: could not write %s: %s", run_name, run_dir / "notifications.jsonl", e)
    return delivered


def normalize(notifications: Any, where: str) -> Tuple[Union[Notification, NamedRule], ...]:
    """The notifications given to `where` as a tuple, or a TypeError naming what is wrong."""
    if notifications is None:
        return ()
    items = (notifications,) if isinstance(notifications, (Notification, NamedRule)) else notifications
    if not isinstance(items, (tuple, list)):
        raise TypeError(f"{where}: notifications must be a flyte.notify Notification, a NamedRule or a tuple of "
                        f"Notifications, got {type(notifications).__name__}")
    for item in items:
        if not isinstance(item, (Notification, NamedRule)):
            raise TypeError(f"{where}: notifications must be flyte.notify objects, got {type(item).__name__}")
    return tuple(items)
