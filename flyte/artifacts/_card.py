"""`Card`: a rendered description (HTML, markdown, an image, ...) attached to an artifact."""

from __future__ import annotations

import hashlib
import pathlib
import tempfile
from dataclasses import dataclass
from typing import Literal, Optional

from ..syncify import syncify

CardType = Literal["model", "data", "generic"]
CardFormat = Literal["html", "md", "json", "yaml", "csv", "tsv", "png", "jpg", "jpeg"]

# Stored with the card so that a browser shows it rather than downloading it.
CONTENT_TYPES = {
    "html": "text/html", "md": "text/markdown", "json": "application/json", "yaml": "application/yaml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "png": "image/png", "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}


@dataclass(frozen=True, kw_only=True)
class Card:
    uri: str
    format: CardFormat = "html"
    card_type: CardType = "generic"

    @syncify
    @classmethod
    async def create_from(cls, *, content: Optional[str] = None, local_path: Optional[pathlib.Path] = None,
                          format: CardFormat = "html", card_type: CardType = "generic") -> Card:
        """Store a card from `content` or a local file. Inside a task it goes next to the
        action's outputs, named by its content (so two cards never overwrite each other);
        outside one, into the raw-data directory. Stored when this returns."""
        if content:
            with tempfile.NamedTemporaryFile("w", suffix=f".{format}", delete=False) as f:
                f.write(content)
                path = pathlib.Path(f.name)
            try:
                return await _store_card(path, format, card_type)
            finally:
                path.unlink(missing_ok=True)
        if local_path:
            return await _store_card(pathlib.Path(local_path), format, card_type)
        raise ValueError("Either content or local_path must be provided to upload a card.")


async def _store_card(path: pathlib.Path, format: str, card_type: str) -> Card:
    import flyte
    from flyte import storage

    content_type = CONTENT_TYPES.get(format, "application/octet-stream")
    task = flyte.ctx()
    if task:
        data = path.read_bytes()
        target = f"{task.output_path}/cards/{card_type}-{hashlib.sha256(data).hexdigest()[:16]}.{format}"
        uri = await storage.put_stream(data, to_path=target,
                                       attributes={"Content-Type": content_type, "content_type": content_type})
    else:
        from flyte import remote

        _, uri = await remote.upload_file.aio(path, content_type=content_type)
    return Card(uri=uri, format=format, card_type=card_type)  # type: ignore[arg-type]
