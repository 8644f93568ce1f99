"""What keeps the UI's pages from being turned against their user.

- Every response forbids inline and foreign script (Content-Security-Policy: scripts come from
  /static only), framing by other sites, MIME sniffing and referrers; templates escape every
  value (Jinja2 autoescape), and the page script writes text with `textContent` only.
- Requests must name this server in their Host header (127.0.0.1, localhost, or the --host it
  was started with): a web page elsewhere cannot read the UI through DNS rebinding.
- Changes (delete, rerun) exist only when the server was started with --allow-changes, are POSTs
  behind a confirmation page, and carry a CSRF token that only a page of this server can read;
  their Origin, when the browser sends one, must be this server.
- A report is the user's HTML: it is served in a sandbox (an opaque origin, no access to the UI)
  and shown in a sandboxed iframe.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# A report runs its own inline script (tabs) in an opaque origin: it can reach nothing of the UI's.
REPORT_POLICY = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                 "img-src data:; frame-ancestors 'self'")
DOWNLOAD_POLICY = "sandbox; default-src 'none'"

COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class CsrfToken:
    """One secret per server: forms carry it, POSTs must return it."""

    def __init__(self) -> None:
        self.value = secrets.token_urlsafe(32)

    def check(self, given: Any) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given.encode(), self.value.encode())


def allowed_hosts(host: str, port: int) -> set[str]:
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host not in ("0.0.0.0", "::", ""):
        names.add(f"[{host}]" if ":" in host else host)
    return {f"{n}:{port}" for n in names} | (names if port == 80 else set())


def same_origin(origin: str, hosts: Iterable[str]) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc in set(hosts)


ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


class Guard:
    """ASGI middleware: refuses requests for another host, adds the security headers."""

    def __init__(self, app: ASGIApp, hosts: set[str] | None):
        self.app = app
        self.hosts = hosts  # None: any host (the server listens on every interface, on purpose)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if self.hosts is not None and host not in self.hosts:
            await _plain(send, 421, f"This server answers to {', '.join(sorted(self.hosts))}, not {host!r}.")
            return
        path = scope.get("path", "")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                extra = list(COMMON_HEADERS)
                existing = {k.lower() for k, _ in message.get("headers", [])}
                if b"content-security-policy" not in existing:
                    extra.append((b"content-security-policy", PAGE_POLICY.encode()))
                if not path.startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
