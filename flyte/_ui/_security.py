"""What keeps the UI's pages from being turned against their user.

- Every response forbids inline and foreign script (Content-Security-Policy: scripts come from
  /static only), framing by other sites, MIME sniffing and referrers; templates escape every
  value (Jinja2 autoescape), and the page script writes text with `textContent` only.
- Requests must name this server in their Host header (127.0.0.1, localhost, or the --host it
  was started with; on every interface, an IP address or this machine's own name): a web page
  elsewhere cannot read the UI through DNS rebinding.
- Changes (delete, rerun) exist only when the server was started with --allow-changes, are POSTs
  behind a confirmation page, and carry a CSRF token that only a page of this server can read;
  their Origin, when the browser sends one, must be this server.
- A report is the user's HTML: it is served in a sandbox (an opaque origin, no access to the UI)
  and shown in a sandboxed iframe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The stylesheet is inlined in every page (a page paints without waiting for a second request: the runs page's
# first paint took ~2x longer with it linked) and allowed by its hash, so no other inline style is.
STYLESHEET = (Path(__file__).parent / "static" / "app.css").read_text(encoding="utf-8")
assert "</" not in STYLESHEET, "the inlined stylesheet must not be able to close its <style> element"
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLESHEET.encode()).digest()).decode()

PAGE_POLICY = (f"default-src 'none'; script-src 'self'; style-src 'self' '{STYLE_HASH}'; img-src 'self' data:; connect-src 'self'; "
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


class Hosts:
    """The Host headers this server answers to. Listening on one address: that address, and
    localhost's names. Listening on every interface (--host 0.0.0.0): any IP address of this
    machine's and its own host names, still no other name, since DNS rebinding needs a name."""

    def __init__(self, host: str, port: int):
        self.port = port
        self.every_interface = host in ("0.0.0.0", "::", "")
        names = {"127.0.0.1", "localhost", "[::1]"}
        if self.every_interface:
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        else:
            names.add(f"[{host}]" if ":" in host else host.lower())
        self.names = names

    def __contains__(self, netloc: object) -> bool:
        if not isinstance(netloc, str):
            return False
        try:
            parts = urlsplit("//" + netloc)
            name, port = (parts.hostname or ""), parts.port
        except ValueError:
            return False
        if (port or 80) != self.port:
            return False
        if self.every_interface and _is_ip(name):
            return True
        return (f"[{name}]" if ":" in name else name) in self.names

    def __str__(self) -> str:
        shown = ", ".join(f"{n}:{self.port}" for n in sorted(self.names))
        return shown + (" or an IP address of this machine's" if self.every_interface else "")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_hosts(host: str, port: int) -> Hosts:
    return Hosts(host, port)


def same_origin(origin: str, hosts: Hosts) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc in hosts


ASGIApp = Callable[..., Awaitable[None]]


class Guard:
    """ASGI middleware: refuses requests for another host, adds the security headers."""

    def __init__(self, app: ASGIApp, hosts: Hosts):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if host not in self.hosts:
            await _plain(send, 421, f"This server answers to {self.hosts}, not {host!r}.")
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
