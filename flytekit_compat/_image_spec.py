"""`ImageSpec`: a declarative image, kept on tasks and converted to a `flyte.Image` builder chain."""

from __future__ import annotations

import abc
import base64
import hashlib
import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Optional, Union


@dataclass
class ImageSpec:
    name: str = "flytekit"
    python_version: Optional[str] = None
    builder: Optional[str] = None
    source_root: Optional[str] = None
    env: Optional[dict[str, str]] = None
    registry: Optional[str] = None
    packages: Optional[list[str]] = None
    conda_packages: Optional[list[str]] = None
    conda_channels: Optional[list[str]] = None
    requirements: Optional[str] = None
    apt_packages: Optional[list[str]] = None
    cuda: Optional[str] = None
    cudnn: Optional[str] = None
    base_image: Optional[Union[str, ImageSpec]] = None
    platform: str = "linux/amd64"
    pip_index: Optional[str] = None
    pip_extra_index_url: Optional[list[str]] = None
    pip_secret_mounts: Optional[list[Any]] = None
    pip_extra_args: Optional[str] = None
    registry_config: Optional[str] = None
    entrypoint: Optional[list[str]] = None
    commands: Optional[list[str]] = None
    tag_format: Optional[str] = None
    source_copy_mode: Any = None
    copy: Optional[list[str]] = None
    python_exec: Optional[str] = None
    runtime_packages: Optional[list[str]] = None
    builder_options: Optional[dict[str, Any]] = None
    builder_config: Optional[dict[str, Any]] = None
    _is_force_push: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name.lower()
        if self.registry:
            self.registry = self.registry.lower()
        for attr in ("packages", "apt_packages", "conda_packages", "conda_channels", "commands", "copy", "entrypoint"):
            value = getattr(self, attr)
            if value is not None and not isinstance(value, list):
                raise ValueError(f"{attr} must be a list of strings, got {type(value).__name__}")

    def _digest(self) -> str:
        h = hashlib.md5(repr(sorted((k, repr(v)) for k, v in asdict(self).items())).encode())
        return base64.urlsafe_b64encode(h.digest()).decode().rstrip("=")

    @property
    def tag(self) -> str:
        return self._digest()

    def image_name(self) -> str:
        repo = f"{self.registry}/{self.name}" if self.registry else self.name
        return f"{repo}:{self.tag}"

    def is_container(self) -> bool:
        """flytekit runs `if spec.is_container(): import x` blocks locally too."""
        return True

    def exist(self) -> Optional[bool]:
        return None

    def with_commands(self, commands: Union[str, list[str]]) -> ImageSpec:
        return replace(self, commands=[*(self.commands or []), *([commands] if isinstance(commands, str) else commands)])

    def with_packages(self, packages: Union[str, list[str]]) -> ImageSpec:
        return replace(self, packages=[*(self.packages or []), *([packages] if isinstance(packages, str) else packages)])

    def with_apt_packages(self, apt_packages: Union[str, list[str]]) -> ImageSpec:
        extra = [apt_packages] if isinstance(apt_packages, str) else apt_packages
        return replace(self, apt_packages=[*(self.apt_packages or []), *extra])

    def force_push(self) -> ImageSpec:
        return replace(self, _is_force_push=True)

    def to_flyte_image(self) -> Any:
        """The equivalent `flyte.Image` (conda packages have no flyte equivalent and are dropped)."""
        import flyte

        if isinstance(self.base_image, ImageSpec):
            img = self.base_image.to_flyte_image().clone(name=self.name, registry=self.registry)
        elif self.base_image:
            img = flyte.Image.from_base(self.base_image).clone(name=self.name, registry=self.registry, extendable=True)
        else:
            py = tuple(int(p) for p in self.python_version.split(".")[:2]) if self.python_version else None
            img = flyte.Image.from_debian_base(python_version=py, name=self.name, registry=self.registry)  # type: ignore[arg-type]
        if self.apt_packages:
            img = img.with_apt_packages(*self.apt_packages)
        if self.packages:
            img = img.with_pip_packages(*self.packages, index_url=self.pip_index, extra_index_urls=self.pip_extra_index_url,
                                        extra_args=self.pip_extra_args)
        if self.requirements and os.path.exists(self.requirements):
            img = img.with_requirements(self.requirements)
        if self.env:
            img = img.with_env_vars(self.env)
        if self.commands:
            img = img.with_commands(list(self.commands))
        if self.copy:
            for path in self.copy:
                if os.path.exists(path):
                    img = img.with_source_file(path) if os.path.isfile(path) else img.with_source_folder(path)
        return img


class ImageSpecBuilder(abc.ABC):
    """What an image-builder plugin implements (envd, docker, a registry's own): `build_image`
    builds and pushes, and may return the image's full name."""

    @abc.abstractmethod
    def build_image(self, image_spec: ImageSpec) -> Optional[str]:
        """Build `image_spec` and push it; the name it was pushed as, or None for its image_name()."""

    def should_build(self, image_spec: ImageSpec) -> bool:
        """Build when the registry says the image is missing, or when a push is forced; when the
        registry cannot tell (exist() is None) the image is assumed to be there."""
        exists = image_spec.exist()
        if exists is False:
            return True
        return bool(exists and image_spec._is_force_push)


@dataclass(frozen=True)
class _RegisteredBuilder:
    builder: ImageSpecBuilder
    priority: int


class ImageBuildEngine:
    """Registered image builders by name. This runtime runs tasks locally and never needs an
    image itself; `build` is there for a program or plugin that builds one explicitly."""

    _REGISTRY: dict[str, _RegisteredBuilder] = {}

    @classmethod
    def register(cls, builder_type: str, image_spec_builder: ImageSpecBuilder, priority: int = 5) -> None:
        cls._REGISTRY[builder_type] = _RegisteredBuilder(image_spec_builder, priority)

    @classmethod
    def build(cls, image_spec: ImageSpec) -> Optional[str]:
        """Build with the spec's named builder, else the registered builder of highest priority;
        the image's name, or None when the builder decides nothing needs building."""
        if image_spec.builder is not None:
            entry = cls._REGISTRY.get(image_spec.builder)
            if entry is None:
                raise AssertionError(
                    f"Unsupported builder {image_spec.builder!r} for image {image_spec.name!r}; "
                    f"registered builders: {sorted(cls._REGISTRY) or 'none'}"
                )
        elif cls._REGISTRY:
            entry = max(cls._REGISTRY.values(), key=lambda e: e.priority)
        else:
            raise RuntimeError(
                f"Building image {image_spec.image_name()} needs a container builder; this runtime runs tasks "
                "locally. Register one with ImageBuildEngine.register(name, builder), or render the image with "
                "spec.to_flyte_image().dockerfile() and build that."
            )
        if not entry.builder.should_build(image_spec):
            return None
        return entry.builder.build_image(image_spec) or image_spec.image_name()
