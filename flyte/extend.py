"""What packages that extend flyte build on: task plugin registration, image builders and checkers,
the task template classes, and small helpers (the SDK's `flyte.extend`).

Images: this runtime builds none. `ImageBuildEngine.build` decides as the SDK does whether an
image must be built (see `flyte.build`): an image whose existence cannot be checked is assumed to
exist, and one that must really be built fails with `ImageBuildError`. Custom `ImageBuilder`s and
`ImageChecker`s can be written against the protocols; nothing here calls them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any, Literal, Optional, Protocol

from ._environment import TASK_PLUGINS
from ._image import Architecture
from ._pod import PRIMARY_CONTAINER_DEFAULT_NAME
from ._task import AsyncFunctionTaskTemplate, TaskTemplate

if TYPE_CHECKING:
    from ._backend import ImageBuild
    from ._image import Image


class ImageChecker(Protocol):
    """Tells whether `repository:tag` exists in a registry: its URI, None when it surely does not,
    an exception when it cannot tell (the next checker is asked)."""

    @classmethod
    async def image_exists(cls, repository: str, tag: str,
                           arch: tuple[Architecture, ...] = ("linux/amd64",)) -> Optional[str]: ...


class ImageBuilder(Protocol):
    """Builds an image; `get_checkers` names the checkers that find it already built."""

    async def build_image(self, image: Image, dry_run: bool, wait: bool = True, force: bool = False) -> ImageBuild: ...

    def get_checkers(self) -> Optional[list[type[ImageChecker]]]: ...


class ImageBuildEngine:
    """Decides whether an image needs building and builds it; this runtime has no builder."""

    ImageBuilderType = Literal["local", "local-podman", "remote"]

    @staticmethod
    async def image_exists(image: Image) -> Optional[str]:
        """The image's URI if it counts as built (unmodified base images; images whose existence no
        registry here can confirm, as the SDK assumes), None if it must be built."""
        from ._backend import _existing_uri

        return _existing_uri(image)

    @classmethod
    async def build(cls, image: Image, builder: Optional[str] = None, dry_run: bool = False, force: bool = False,
                    wait: bool = True) -> ImageBuild:
        """As `flyte.build`: the image's URI without building when it counts as built or with
        dry_run; `ImageBuildError` when it must be built."""
        if builder not in (None, "local", "local-podman", "remote"):
            raise ValueError(f"Unknown image builder {builder!r}; expected one of 'local', 'local-podman', 'remote'")
        from ._backend import _build

        return _build(image, dry_run=dry_run, force=force, wait=wait)


class _TaskPluginRegistry:
    """Which task class a `TaskEnvironment(plugin_config=...)` builds, by the config's type."""

    def register(self, config_type: type, plugin: type[AsyncFunctionTaskTemplate]) -> None:
        TASK_PLUGINS[config_type] = plugin

    def find(self, config_type: type) -> Optional[type[AsyncFunctionTaskTemplate]]:
        return TASK_PLUGINS.get(config_type)

    def list_plugins(self) -> list[type]:
        return list(TASK_PLUGINS)

    def __repr__(self) -> str:
        return f"TaskPluginRegistry(plugins={self.list_plugins()})"


TaskPluginRegistry = _TaskPluginRegistry()


def is_initialized() -> bool:
    """Whether `flyte.init(...)` (or `init_from_config`) has been called in this process."""
    from ._run import _config

    return bool(_config.initialized)


class _MissingModule(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:
        raise ImportError(f"Module {self.__name__} is not installed; it is needed for {self.__name__}.{attr}")


def lazy_module(fullname: str) -> types.ModuleType:
    """The module `fullname`, imported when one of its attributes is first used; a module that
    is not installed raises ImportError then, not now."""
    if fullname in sys.modules:
        return sys.modules[fullname]
    spec = importlib.util.find_spec(fullname)
    if spec is None or spec.loader is None:
        return _MissingModule(fullname)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    spec.loader.exec_module(module)
    return module


async def download_code_bundle(code_bundle: Any) -> Any:
    """Fetch a deployed task's code bundle; needs a Flyte backend."""
    from ._backend import _no_backend

    raise _no_backend("flyte.extend.download_code_bundle")


__all__ = [
    "PRIMARY_CONTAINER_DEFAULT_NAME",
    "Architecture",
    "AsyncFunctionTaskTemplate",
    "ImageBuildEngine",
    "ImageBuilder",
    "ImageChecker",
    "TaskPluginRegistry",
    "TaskTemplate",
    "download_code_bundle",
    "is_initialized",
    "lazy_module",
]
