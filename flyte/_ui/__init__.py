"""`flyte ui`: a local web UI over the metadata store.

Loaded only by `flyte ui` (it needs Starlette, uvicorn and Jinja2: `pip install 'flyteshift[ui]'`),
never by `import flyte`. Pages are rendered on the server; a small script (static/app.js, no
build step) expands trees, draws the timeline and keeps running runs live by polling. Read-only
unless started with --allow-changes; see `_security` for what keeps pages safe.
"""

from __future__ import annotations

import sys
from typing import Any

from ._app import create_app

__all__ = ["create_app", "serve"]


def serve(store: Any, host: str = "127.0.0.1", port: int = 8765, allow_changes: bool = False,
          open_browser: bool = False) -> None:
    """Serve the UI until interrupted."""
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Warning: listening on {host}: anyone who can reach this machine on port {port} can read your runs "
              "(their inputs, outputs and logs)" + (" and delete or rerun them" if allow_changes else "") + ".",
              file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    print(f"Flyte UI for {store.home} on {url}" + (" (changes allowed)" if allow_changes else " (read-only)"),
          file=sys.stderr)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(create_app(store, allow_changes=allow_changes, host=host, port=port), host=host, port=port,
                log_level="warning")
