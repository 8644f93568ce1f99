"""`flyte.extras.webhooks`: receive SaaS webhooks in an app a Flyte backend serves (not provided here)."""

import sys

from ._unavailable import UnavailableModule

sys.modules[__name__] = UnavailableModule(__name__, [
    "DUPE_LABEL_KEY", "EventHandler", "EventType", "HandshakeFn", "ParseFn", "Provider", "RunOnceResult",
    "SignatureError", "VerifyFn", "WebhookAppEnvironment", "WebhookEvent", "WebhookPluginError", "blocking_run",
    "constant_time_equals", "hex_hmac_sha256", "json_body", "lower_headers", "run_once",
], "webhook apps are served by a Flyte backend (the SDK's app subsystem)")
