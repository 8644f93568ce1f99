"""SDK entry points that need a Flyte backend (deploying, building images, serving apps).

This runtime executes locally, so these fail with the error the SDK gives when no backend is
configured, naming what to do instead. `build(..., dry_run=True)`, `build` of an image whose
existence cannot be checked, and `build_images` answer without building, as the SDK's local mode
does.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol, runtime_checkable

from ._run_python_script import load_plugin_config, run_python_script  # noqa: F401  (the SDK's names, here)
from ._syncify import Immediate
from .errors import ImageBuildError, InitializationError

logger = logging.getLogger("flyte")

_NO_BACKEND = (
    "{what} needs a Flyte backend; this runtime runs tasks locally. Run tasks with flyte.run(...) "
    "or `flyte run --local`, and deploy with the flyte SDK configured for your cluster."
)


def _no_backend(what: str) -> InitializationError:
    return InitializationError("ClientNotInitializedError", "user", _NO_BACKEND.format(what=what))


@dataclass
class ImageBuild:
    """The result of building an image: its URI, and the backend run that built it (none here)."""

    uri: Optional[str]
    remote_run: Any
    build_run: Any = None


@dataclass
class ImageCache:
    """Image URIs by environment name."""

    image_lookup: dict[str, str] = field(default_factory=dict)
    build_run_ids: dict[str, Any] = field(default_factory=dict)
    serialized_form: Optional[str] = None


def _image_uri(image: Any) -> str:
    if image is None or image == "auto":
        from ._image import Image

        image = Image.from_debian_base()
    return image if isinstance(image, str) else image.uri


def _deploy(*envs: Any, dry_run: bool = False, version: Optional[str] = None, interactive_mode: Optional[bool] = None,
            copy_style: str = "loaded_modules", dryrun: Optional[bool] = None) -> list:
    """Deploy environments to a Flyte backend."""
    raise _no_backend("flyte.deploy")


def _existing_uri(image: Any) -> Optional[str]:
    """The URI `flyte.build` may treat as already built, as the SDK decides before building: an
    unmodified base image is published with the SDK; any other image would be looked up in its
    registry. This runtime queries no registry, which is the SDK's case where every existence
    check fails, and the SDK then assumes the image exists."""
    if image is None or image == "auto" or isinstance(image, str):
        return _image_uri(image)
    uri = image.uri
    if not getattr(image, "_cloned", False) and not getattr(image, "_layers", ()):
        return uri
    logger.info("Could not check whether image %s exists (this runtime queries no registry), assuming it exists", uri)
    return uri


def _build(image: Any, dry_run: bool = False, force: bool = False, wait: bool = True) -> ImageBuild:
    """Build an image, as far as a machine without a builder can: with dry_run=True only name it;
    otherwise an image that already exists, or whose existence cannot be checked, is not built
    again (the SDK's rule, see `_existing_uri`), and only a forced build fails."""
    if dry_run:
        return ImageBuild(uri=_image_uri(image), remote_run=None)
    if not force:
        uri = _existing_uri(image)
        if uri is not None:
            logger.info("Image %s already exists, skipping build", uri)
            return ImageBuild(uri=uri, remote_run=None)
    raise ImageBuildError(
        f"Building {_image_uri(image)} needs a Flyte backend or Docker with BuildKit, and this runtime does not "
        "build images: tasks run in your Python environment. Use Image.dockerfile() with `docker build` if you "
        "need the image itself."
    )


def _build_images(*envs: Any, copy_style: str = "loaded_modules", seed_cache: Any = None) -> ImageCache:
    """The image each environment would run in (nothing is built locally)."""
    return ImageCache(image_lookup={env.name: _image_uri(getattr(env, "image", None)) for env in envs})


def _serve(app_env: Any) -> Any:
    """Serve an app environment on a Flyte backend."""
    raise _no_backend("flyte.serve")


def _init_in_cluster(org: Optional[str] = None, project: Optional[str] = None, domain: Optional[str] = None,
                     api_key: Optional[str] = None, endpoint: Optional[str] = None, insecure: bool = False) -> dict:
    """Initialize from inside a Flyte cluster."""
    raise _no_backend("flyte.init_in_cluster")


def _init_passthrough(endpoint: Optional[str] = None, org: Optional[str] = None, project: Optional[str] = None,
                      domain: Optional[str] = None, insecure: bool = False) -> dict:
    """Initialize with passthrough authentication."""
    raise _no_backend("flyte.init_passthrough")


deploy = Immediate(_deploy)
build = Immediate(_build)
build_images = Immediate(_build_images)
serve = Immediate(_serve)
init_in_cluster = Immediate(_init_in_cluster)
init_passthrough = Immediate(_init_passthrough)


def with_servecontext(*args: Any, **kwargs: Any) -> Any:
    """Configure serving apps on a Flyte backend."""
    raise _no_backend("flyte.with_servecontext")


def load_interactive_ctx(path: Any = None) -> Any:
    """Load a remote task's context into an interactive session."""
    raise _no_backend("flyte.load_interactive_ctx")




@runtime_checkable
class AppHandle(Protocol):
    """What a served app offers, as the SDK types it (apps themselves need a Flyte backend here:
    `flyte.serve` says so). Code can annotate with it and check objects against it."""

    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    def is_active(self) -> bool: ...

    def is_deactivated(self) -> bool: ...

    def activate(self, wait: bool = False) -> AppHandle: ...

    def deactivate(self, wait: bool = False) -> AppHandle: ...

    def ephemeral_ctx(self) -> AbstractAsyncContextManager[None]: ...

    def ephemeral_ctx_sync(self) -> AbstractContextManager[None]: ...
