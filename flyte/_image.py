"""Container images described as an immutable chain of layers.

Local runs execute in this process and never build an image, but the description is kept on the
task, hashed into a stable tag, and can be rendered as a Dockerfile (`Image.dockerfile()`), so the
same program can be built and shipped when it leaves the laptop.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Literal, Optional, Union

from ._secret import Secret, SecretRequest, normalize_secrets
from ._version import __version__

Architecture = Literal["linux/amd64", "linux/arm64"]
_DEFAULT_PLATFORMS: tuple[Architecture, ...] = ("linux/amd64", "linux/arm64")
_BASE_REGISTRY = "ghcr.io/flyteorg"
_DEFAULT_NAME = "flyte"


def _tuple(value: Union[str, list[str], tuple[str, ...], None]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


# --- layers: one frozen record per builder call; their order is the Dockerfile's order --------


@dataclass(frozen=True)
class Layer:
    """One builder step. Layers are hashable records (an image's identity is made of them), so a
    list where a tuple belongs is refused as it is written, with the fix in the message."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            hint = "Hint: Pass items as separate arguments, e.g., 'vim', 'git' instead of ['vim', 'git']."
            if isinstance(value, list):
                raise TypeError(f"{type(self).__name__} field '{f.name}' is a list: {value!r}. {hint}")
            if isinstance(value, tuple):
                for i, item in enumerate(value):
                    if isinstance(item, list):
                        raise TypeError(
                            f"{type(self).__name__} field '{f.name}' contains a list at index {i}: {item!r}. {hint}"
                        )

    def render(self) -> list[str]:
        raise NotImplementedError

    def validate(self) -> None:
        """Checks that need the build context (files exist): run by `Image.validate()` and before
        rendering, not when the layer is written, as in the SDK."""
        return None


def _secret_mounts(request: Optional[SecretRequest]) -> tuple[Union[str, Secret], ...]:
    """A layer's secret mounts as given: a name stays a string (as in the SDK) and becomes a
    `Secret` only when the Dockerfile is written, so a path-like name is accepted until then."""
    if request is None:
        return ()
    items = request if isinstance(request, (list, tuple)) else [request]
    for item in items:
        if not isinstance(item, (str, Secret)):
            raise TypeError(f"Expected a secret name or flyte.Secret, got {type(item).__name__}: {item!r}")
    return tuple(items)


def _secret_flags(mounts: tuple[Union[str, Secret], ...]) -> str:
    flags = []
    for s in normalize_secrets(list(mounts)):
        ident = f"{s.group}_{s.key}" if s.group else s.key
        flags.append(f"--mount=type=secret,id={ident},env={s.as_env_var}" if s.as_env_var else f"--mount=type=secret,id={ident}")
    return (" ".join(flags) + " ") if flags else ""


@dataclass(frozen=True)
class PipOption:
    index_url: Optional[str] = None
    extra_index_urls: tuple[str, ...] = ()
    pre: bool = False
    extra_args: Optional[str] = None
    secret_mounts: tuple[Union[str, Secret], ...] = ()

    def pip_args(self) -> str:
        parts = []
        if self.index_url:
            parts.append(f"--index-url {shlex.quote(self.index_url)}")
        parts += [f"--extra-index-url {shlex.quote(u)}" for u in self.extra_index_urls]
        if self.pre:
            parts.append("--prerelease=allow")
        if self.extra_args:
            parts.append(self.extra_args)
        return (" ".join(parts) + " ") if parts else ""


@dataclass(frozen=True)
class PipPackages(PipOption, Layer):
    packages: tuple[str, ...] = ()

    def render(self) -> list[str]:
        pkgs = " ".join(shlex.quote(p) for p in self.packages)
        return [f"RUN {_secret_flags(self.secret_mounts)}uv pip install {self.pip_args()}{pkgs}"]


@dataclass(frozen=True)
class Requirements(PipOption, Layer):
    file: Path = Path("requirements.txt")

    def validate(self) -> None:
        if not Path(self.file).exists():
            raise ValueError(f"Requirements file {self.file} does not exist")

    def render(self) -> list[str]:
        return [
            f"COPY {self.file} /tmp/requirements.txt",
            f"RUN {_secret_flags(self.secret_mounts)}uv pip install {self.pip_args()}-r /tmp/requirements.txt",
        ]


@dataclass(frozen=True)
class UVProject(PipOption, Layer):
    pyproject: Path = Path("pyproject.toml")
    uvlock: Optional[Path] = None
    project_install_mode: str = "dependencies_only"

    def validate(self) -> None:
        if not Path(self.pyproject).exists():
            raise ValueError(f"pyproject file {self.pyproject} does not exist")

    def render(self) -> list[str]:
        lock = self.uvlock or Path(self.pyproject).parent / "uv.lock"
        extra = " --no-install-project" if self.project_install_mode == "dependencies_only" else ""
        return [
            f"COPY {self.pyproject} {lock} /tmp/project/",
            f"RUN {_secret_flags(self.secret_mounts)}cd /tmp/project && uv sync --active --locked{extra} {self.pip_args()}".rstrip(),
        ]


@dataclass(frozen=True)
class PoetryProject(Layer):
    pyproject: Path = Path("pyproject.toml")
    poetry_lock: Optional[Path] = None
    extra_args: Optional[str] = None
    secret_mounts: tuple[Union[str, Secret], ...] = ()
    project_install_mode: str = "dependencies_only"

    def render(self) -> list[str]:
        lock = self.poetry_lock or Path(self.pyproject).parent / "poetry.lock"
        extra = " --no-root" if self.project_install_mode == "dependencies_only" else ""
        return [
            f"COPY {self.pyproject} {lock} /tmp/project/",
            "RUN uv pip install poetry",
            f"RUN {_secret_flags(self.secret_mounts)}cd /tmp/project && poetry install{extra} {self.extra_args or ''}".rstrip(),
        ]


@dataclass(frozen=True)
class PixiProject(Layer):
    manifest: Path = Path("pixi.toml")
    pixi_lock: Optional[Path] = None
    environment: str = "default"
    extra_args: Optional[str] = None
    secret_mounts: tuple[Union[str, Secret], ...] = ()
    project_install_mode: str = "dependencies_only"

    def render(self) -> list[str]:
        return [
            f"COPY {self.manifest} /tmp/project/",
            f"RUN cd /tmp/project && pixi install -e {self.environment} {self.extra_args or ''}".rstrip(),
        ]


@dataclass(frozen=True)
class UVScript(PipOption, Layer):
    script: Path = Path("script.py")

    def render(self) -> list[str]:
        return [
            f"COPY {self.script} /tmp/script.py",
            f"RUN {_secret_flags(self.secret_mounts)}uv pip install {self.pip_args()}-r /tmp/script.py",
        ]


@dataclass(frozen=True)
class AptPackages(Layer):
    packages: tuple[str, ...] = ()
    secret_mounts: tuple[Union[str, Secret], ...] = ()

    def render(self) -> list[str]:
        pkgs = " ".join(shlex.quote(p) for p in self.packages)
        return [
            f"RUN {_secret_flags(self.secret_mounts)}apt-get update && apt-get install -y --no-install-recommends "
            f"{pkgs} && rm -rf /var/lib/apt/lists/*"
        ]


@dataclass(frozen=True)
class Commands(Layer):
    commands: tuple[str, ...] = ()
    secret_mounts: tuple[Union[str, Secret], ...] = ()

    def render(self) -> list[str]:
        return [f"RUN {_secret_flags(self.secret_mounts)}{c}" for c in self.commands]


@dataclass(frozen=True)
class WorkDir(Layer):
    workdir: str = "/root"

    def render(self) -> list[str]:
        return [f"WORKDIR {self.workdir}"]


@dataclass(frozen=True)
class Env(Layer):
    env_vars: tuple[tuple[str, str], ...] = ()

    def render(self) -> list[str]:
        return [f"ENV {k}={shlex.quote(v)}" for k, v in self.env_vars]


@dataclass(frozen=True)
class CopyConfig(Layer):
    src: Path = Path(".")
    dst: str = "."
    copy_contents_only: bool = False

    def validate(self) -> None:
        if not Path(self.src).exists():
            raise ValueError(f"Source {self.src} does not exist")

    def render(self) -> list[str]:
        src = Path(self.src)
        if src.is_dir() and not self.copy_contents_only:
            return [f"COPY {src} {self.dst.rstrip('/')}/{src.name}"]
        return [f"COPY {src} {self.dst}"]


@dataclass(frozen=True)
class DockerIgnore(Layer):
    path: Path = Path(".dockerignore")

    def render(self) -> list[str]:
        return []  # consumed by the builder, not a Dockerfile instruction


@dataclass(frozen=True)
class CodeBundleLayer(Layer):
    copy_style: str = "loaded_modules"
    dst: str = "."

    def render(self) -> list[str]:
        return [f"# code bundle ({self.copy_style}) is copied to {self.dst} at build time"]


def _dockerignore_patterns(layer: DockerIgnore) -> tuple[Path, list[str]]:
    """(the directory its patterns are relative to, the patterns) of a .dockerignore layer."""
    path = Path(layer.path)
    try:
        lines = path.read_text().splitlines()
    except OSError:
        lines = []
    return path.parent.resolve(), [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def _ignored(rel: str, patterns: list[str]) -> bool:
    """Whether the path `rel` (posix, relative to the .dockerignore) is excluded: the last pattern
    that matches it or one of its parent directories decides, `!pattern` re-including."""
    import fnmatch

    parts = rel.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.strip("/").replace("**/", "*").replace("/**", "/*")
        if any(fnmatch.fnmatchcase(c, body) for c in candidates):
            excluded = not negate
    return excluded


def _copy_identity(layer: CopyConfig, ignores: list[tuple[Path, list[str]]]) -> str:
    """What a copy layer puts in the image: each copied file's place and content (files the
    image's .dockerignore excludes do not count), not where the source sits on this machine."""
    src = Path(layer.src)
    head = f"CopyConfig(name={src.name!r}, dst={layer.dst!r}, contents_only={layer.copy_contents_only!r}"
    if not src.exists():
        return f"{head}, missing={str(src)!r})"  # validate() reports it; the path is all there is to hash
    h = hashlib.sha256()
    files = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
    for file in files:
        absolute = file.resolve()
        skip = False
        for root, patterns in ignores:
            try:
                rel = absolute.relative_to(root).as_posix()
            except ValueError:
                continue  # outside the .dockerignore's directory: its patterns do not reach it
            skip = skip or _ignored(rel, patterns)
        if skip:
            continue
        h.update(file.relative_to(src).as_posix().encode() if src.is_dir() else b"")
        h.update(b"\0")
        h.update(hashlib.sha256(file.read_bytes()).digest())
    return f"{head}, content={h.hexdigest()})"


def _layer_identities(layers: tuple[Layer, ...]) -> str:
    """The layers as the image's hash sees them: a .dockerignore by its contents, a copy layer by
    what it copies, any other layer by its settings (its repr)."""
    out, ignores = [], []
    for layer in layers:
        if isinstance(layer, DockerIgnore):
            root, patterns = _dockerignore_patterns(layer)
            ignores.append((root, patterns))
            out.append(f"DockerIgnore({patterns!r})" if Path(layer.path).exists() else repr(layer))
        elif isinstance(layer, CopyConfig):
            out.append(_copy_identity(layer, ignores))
        else:
            out.append(repr(layer))
    return "(" + ", ".join(out) + ")"


# where a source checkout keeps the wheels it builds (`PythonWheels(wheel_dir=DIST_FOLDER, ...)`)
DIST_FOLDER = Path(__file__).resolve().parent.parent / "dist"


@dataclass(frozen=True, kw_only=True)
class PythonWheels(PipOption, Layer):
    """Installs `package_name` from the wheels in a local directory (copied into the image)."""

    wheel_dir: Path
    package_name: str
    wheel_dir_name: str = field(init=False, default="")

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "wheel_dir_name", Path(self.wheel_dir).name)

    def render(self) -> list[str]:
        where = f"/root/{self.wheel_dir_name}"
        return [f"COPY {self.wheel_dir} {where}",
                f"RUN {_secret_flags(self.secret_mounts)}uv pip install {self.pip_args()}--find-links {where} "
                f"{shlex.quote(self.package_name)}"]


@dataclass(frozen=True)
class LocalRuntime(Layer):
    """Installs the runtime the program was written against (this distribution)."""

    def render(self) -> list[str]:
        return ["RUN uv pip install flyteshift"]


def _python_version() -> tuple[int, int]:
    return sys.version_info[0], sys.version_info[1]


_GUARD = object()


@dataclass(frozen=True)
class Image:
    """An immutable container image description: build it with a `from_*` constructor, then
    chain `with_*` methods; each returns a new `Image`."""

    base_image: Optional[str] = None
    dockerfile_path: Optional[Path] = None
    registry: Optional[str] = None
    name: Optional[str] = None
    platform: tuple[Architecture, ...] = ("linux/amd64",)
    python_version: tuple[int, int] = field(default_factory=_python_version)
    extendable: bool = False
    _ref_name: Optional[str] = None
    _layers: tuple[Layer, ...] = ()
    _image_registry_secret: Optional[Secret] = None
    # Given a registry or name of its own (clone(), from_debian_base(name=...)): its uri is then
    # `registry/name:hash` even without layers, instead of the base image's reference.
    _cloned: bool = False
    _guard: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._guard is not _GUARD:
            raise TypeError(
                "Direct instantiation of Image not allowed, please use one of the various from_...() methods instead"
            )

    # The SDK names this field `dockerfile`; our method of that name renders the Dockerfile.
    @classmethod
    def _new(cls, **kwargs: object) -> Image:
        return cls(_guard=_GUARD, **kwargs)  # type: ignore[arg-type]

    def _add(self, layer: Layer) -> Image:
        if not self.extendable:
            raise ValueError(
                "Cannot add additional layers to a non-extendable image. "
                "Please create the image with extendable=True in the clone() call."
            )
        if self.dockerfile_path is not None:
            raise ValueError(
                "Flyte current cannot add additional layers to a Dockerfile-based Image. Please amend the dockerfile directly."
            )
        if not self.name:
            raise ValueError(f"Cannot add additional layer {layer} to an image without name. Please first clone().")
        return replace(self, _layers=(*self._layers, layer))

    # --- constructors ---------------------------------------------------------------------------

    @classmethod
    def from_debian_base(
        cls,
        python_version: Optional[tuple[int, int]] = None,
        flyte_version: Optional[str] = None,
        install_flyte: bool = True,
        registry: Optional[str] = None,
        registry_secret: Optional[Union[str, Secret]] = None,
        name: Optional[str] = None,
        platform: Optional[tuple[Architecture, ...]] = None,
    ) -> Image:
        """The default image. With flyte installed (the default) it is the released image
        `ghcr.io/flyteorg/flyte:py3.X-vVERSION`, used as it is or extended by `with_*` calls, as
        the SDK does; with `install_flyte=False` a full build from `python:3.X-slim-bookworm` with
        a virtualenv, a `flyte` user and /home/flyte as working directory."""
        py = python_version or _python_version()
        common = dict(registry=registry, name=name or _DEFAULT_NAME, python_version=py, extendable=True,
                      platform=platform or _DEFAULT_PLATFORMS, _image_registry_secret=_as_secret(registry_secret),
                      _cloned=registry is not None or name is not None)
        if install_flyte:
            version = (flyte_version or __version__).lstrip("v")
            return cls._new(base_image=f"{_BASE_REGISTRY}/{_DEFAULT_NAME}:py{py[0]}.{py[1]}-v{version}", **common)
        img = cls._new(base_image=f"python:{py[0]}.{py[1]}-slim-bookworm", **common)
        img = img._add(Env((("VIRTUAL_ENV", "/opt/venv"), ("PATH", "/opt/venv/bin:$PATH"), ("UV_LINK_MODE", "copy"))))
        img = img._add(Commands(("pip install uv && uv venv /opt/venv",)))
        img = img._add(Commands((
            "if ! id -u flyte >/dev/null 2>&1; then useradd --create-home --shell /bin/bash flyte; fi"
            " && mkdir -p /home/flyte && chown -R flyte:flyte /home/flyte && chown -R flyte:flyte /root",
        )))
        return img._add(WorkDir("/home/flyte"))

    @classmethod
    def from_base(cls, image_uri: str) -> Image:
        if not image_uri:
            raise ValueError("image_uri must be a non-empty image reference")
        return cls._new(base_image=image_uri)

    @classmethod
    def from_ref_name(cls, name: str = "default") -> Image:
        return cls._new(_ref_name=name, name=name)

    @classmethod
    def from_dockerfile(
        cls, file: Union[Path, str], registry: str, name: str, platform: Union[Architecture, tuple[Architecture, ...], None] = None
    ) -> Image:
        plat = (platform,) if isinstance(platform, str) else (platform or ("linux/amd64",))
        return cls._new(dockerfile_path=Path(file), registry=registry, name=name, platform=plat)  # type: ignore[arg-type]

    @classmethod
    def from_uv_script(
        cls,
        script: Union[Path, str],
        *,
        name: str,
        registry: Optional[str] = None,
        registry_secret: Optional[Union[str, Secret]] = None,
        python_version: Optional[tuple[int, int]] = None,
        index_url: Optional[str] = None,
        extra_index_urls: Union[str, list[str], tuple[str, ...], None] = None,
        pre: bool = False,
        extra_args: Optional[str] = None,
        platform: Optional[tuple[Architecture, ...]] = None,
        secret_mounts: Optional[SecretRequest] = None,
    ) -> Image:
        # the script's own dependencies are all it gets: a plain Python image, without flyte (as the SDK builds it)
        base = cls.from_debian_base(python_version=python_version, registry=registry, registry_secret=registry_secret,
                                    name=name, platform=platform, install_flyte=False)
        return base._add(
            UVScript(
                script=Path(script), index_url=index_url, extra_index_urls=_tuple(extra_index_urls), pre=pre,
                extra_args=extra_args, secret_mounts=_secret_mounts(secret_mounts),
            )
        )

    @classmethod
    def from_pixi_script(
        cls,
        script: Union[Path, str],
        *,
        name: str,
        registry: Optional[str] = None,
        registry_secret: Optional[Union[str, Secret]] = None,
        environment: str = "default",
        extra_args: Optional[str] = None,
        platform: Optional[tuple[Architecture, ...]] = None,
        secret_mounts: Optional[SecretRequest] = None,
    ) -> Image:
        base = cls._new(
            base_image="ghcr.io/prefix-dev/pixi:latest", registry=registry, name=name, extendable=True,
            platform=platform or _DEFAULT_PLATFORMS, _image_registry_secret=_as_secret(registry_secret),
        )
        return base._add(PixiProject(manifest=Path(script), environment=environment, extra_args=extra_args,
                                     secret_mounts=_secret_mounts(secret_mounts)))

    def clone(
        self,
        registry: Optional[str] = None,
        registry_secret: Optional[Union[str, Secret]] = None,
        name: Optional[str] = None,
        base_image: Optional[str] = None,
        python_version: Optional[tuple[int, int]] = None,
        addl_layer: Optional[Layer] = None,
        extendable: Optional[bool] = None,
        platform: Union[Architecture, tuple[Architecture, ...], None] = None,
    ) -> Image:
        changes: dict[str, object] = {}
        if registry is not None:
            changes["registry"] = registry
        if registry_secret is not None:
            changes["_image_registry_secret"] = _as_secret(registry_secret)
        if name is not None:
            changes["name"] = name
        if base_image is not None:
            changes["base_image"] = base_image
        if python_version is not None:
            changes["python_version"] = python_version
        if extendable is not None:
            changes["extendable"] = extendable
        if platform is not None:
            changes["platform"] = (platform,) if isinstance(platform, str) else platform
        if addl_layer is not None and not self.extendable:
            raise ValueError(
                "Cannot add additional layers to a non-extendable image. "
                "Please create the image with extendable=True in the clone() call."
            )
        changes["_cloned"] = True
        img = replace(self, **changes)  # type: ignore[arg-type]
        return img._add(addl_layer) if addl_layer is not None else img

    # --- builders ---------------------------------------------------------------------------------

    def with_pip_packages(
        self,
        *packages: str,
        index_url: Optional[str] = None,
        extra_index_urls: Union[str, list[str], tuple[str, ...], None] = None,
        pre: bool = False,
        extra_args: Optional[str] = None,
        secret_mounts: Optional[SecretRequest] = None,
    ) -> Image:
        if not packages:
            raise ValueError("with_pip_packages needs at least one package")
        return self._add(
            PipPackages(packages=tuple(packages), index_url=index_url, extra_index_urls=_tuple(extra_index_urls),
                        pre=pre, extra_args=extra_args, secret_mounts=_secret_mounts(secret_mounts))
        )

    def with_requirements(
        self,
        file: Union[str, Path],
        index_url: Optional[str] = None,
        extra_index_urls: Union[str, list[str], tuple[str, ...], None] = None,
        pre: bool = False,
        extra_args: Optional[str] = None,
        secret_mounts: Optional[SecretRequest] = None,
    ) -> Image:
        return self._add(
            Requirements(file=Path(file), index_url=index_url, extra_index_urls=_tuple(extra_index_urls), pre=pre,
                         extra_args=extra_args, secret_mounts=_secret_mounts(secret_mounts))
        )

    def with_uv_project(
        self,
        pyproject_file: Union[str, Path],
        uvlock: Optional[Path] = None,
        index_url: Optional[str] = None,
        extra_index_urls: Union[list[str], tuple[str, ...], None] = None,
        pre: bool = False,
        extra_args: Optional[str] = None,
        secret_mounts: Optional[SecretRequest] = None,
        project_install_mode: Literal["dependencies_only", "install_project"] = "dependencies_only",
    ) -> Image:
        return self._add(
            UVProject(pyproject=Path(pyproject_file), uvlock=uvlock, index_url=index_url,
                      extra_index_urls=_tuple(extra_index_urls), pre=pre, extra_args=extra_args,
                      secret_mounts=_secret_mounts(secret_mounts), project_install_mode=project_install_mode)
        )

    def with_poetry_project(
        self,
        pyproject_file: Union[str, Path],
        poetry_lock: Optional[Path] = None,
        extra_args: Optional[str] = None,
        secret_mounts: Optional[SecretRequest] = None,
        project_install_mode: Literal["dependencies_only", "install_project"] = "dependencies_only",
    ) -> Image:
        return self._add(
            PoetryProject(pyproject=Path(pyproject_file), poetry_lock=poetry_lock, extra_args=extra_args,
                          secret_mounts=_secret_mounts(secret_mounts), project_install_mode=project_install_mode)
        )

    def with_pixi_project(
        self,
        manifest_file: Union[str, Path],
        pixi_lock: Optional[Path] = None,
        environment: str = "default",
        extra_args: Optional[str] = None,
        secret_mounts: Optional[SecretRequest] = None,
        project_install_mode: Literal["dependencies_only", "install_project"] = "dependencies_only",
    ) -> Image:
        return self._add(
            PixiProject(manifest=Path(manifest_file), pixi_lock=pixi_lock, environment=environment, extra_args=extra_args,
                        secret_mounts=_secret_mounts(secret_mounts), project_install_mode=project_install_mode)
        )

    def with_apt_packages(self, *packages: str, secret_mounts: Optional[SecretRequest] = None) -> Image:
        if not packages:
            raise ValueError("with_apt_packages needs at least one package")
        return self._add(AptPackages(packages=tuple(packages), secret_mounts=_secret_mounts(secret_mounts)))

    def with_commands(self, commands: list[str], secret_mounts: Optional[SecretRequest] = None) -> Image:
        if isinstance(commands, str):
            raise TypeError("with_commands takes a list of shell commands, not a single string")
        return self._add(Commands(commands=tuple(commands), secret_mounts=_secret_mounts(secret_mounts)))

    def with_env_vars(self, env_vars: dict[str, str]) -> Image:
        return self._add(Env(tuple((str(k), str(v)) for k, v in env_vars.items())))

    def with_workdir(self, workdir: str) -> Image:
        return self._add(WorkDir(workdir))

    def with_source_folder(self, src: Path, dst: str = ".", copy_contents_only: bool = False) -> Image:
        return self._add(CopyConfig(src=Path(src), dst=dst, copy_contents_only=copy_contents_only))

    def with_source_file(self, src: Union[Path, list[Path]], dst: str = ".") -> Image:
        img = self
        for one in src if isinstance(src, list) else [src]:
            img = img._add(CopyConfig(src=Path(one), dst=dst))
        return img

    def with_dockerignore(self, path: Path) -> Image:
        return self._add(DockerIgnore(Path(path)))

    def with_code_bundle(self, copy_style: Literal["loaded_modules", "all"] = "loaded_modules", dst: str = ".") -> Image:
        return self._add(CodeBundleLayer(copy_style=copy_style, dst=dst))

    def with_local_v2(self) -> Image:
        return self._add(LocalRuntime())

    def with_local_v2_plugins(self, plugins: Union[str, list[str], None] = None) -> Image:
        return self.with_pip_packages(*(_tuple(plugins) or ("flyteshift",)))

    def with_local_rs_controller(self) -> Image:
        return self

    def validate(self) -> None:
        """Check what building needs (files the layers copy exist); raises ImageBuildError."""
        from .errors import ImageBuildError

        for layer in self._layers:
            try:
                layer.validate()
            except (ValueError, OSError) as e:
                raise ImageBuildError(str(e)) from e

    # --- identity and rendering -------------------------------------------------------------------

    def _digest(self) -> str:
        """The content hash in the URI, computed once per image object: the settings and layers,
        with what copy layers copy counted by content (see `_layer_identities`)."""
        cached = self.__dict__.get("_digest_cache")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        h = hashlib.md5()
        for f in fields(self):
            if f.name == "_guard":
                continue
            value = _layer_identities(self._layers) if f.name == "_layers" else repr(getattr(self, f.name))
            h.update(f"{f.name}={value};".encode())
        digest = h.hexdigest()
        object.__setattr__(self, "_digest_cache", digest)
        return digest

    @property
    def uri(self) -> str:
        """Where the built image lives: `registry/name:content-hash`."""
        if self._ref_name is not None:
            return f"ref:{self._ref_name}"
        if not self._layers and self.base_image and not self.dockerfile_path and not self._cloned:
            return self.base_image
        repo = f"{self.registry}/{self.name or _DEFAULT_NAME}" if self.registry else (self.name or _DEFAULT_NAME)
        # a fixed tag set on the instance (the SDK's `_tag`, which CI scripts set to push a
        # release tag) replaces the content hash
        tag = self.__dict__.get("_tag")
        return f"{repo}:{tag if isinstance(tag, str) and tag else self._digest()}"

    def dockerfile(self) -> str:
        """The Dockerfile that builds this image."""
        if self.dockerfile_path is not None:
            return Path(self.dockerfile_path).read_text()
        if self._ref_name is not None:
            raise ValueError(f"Image.from_ref_name({self._ref_name!r}) refers to an image defined in config; it has no Dockerfile")
        self.validate()
        lines = ["# syntax=docker/dockerfile:1.5", f"FROM {self.base_image or f'{_BASE_REGISTRY}/{_DEFAULT_NAME}'}"]
        for layer in self._layers:
            lines.extend(layer.render())
        return "\n".join(lines) + "\n"


def _as_secret(value: Union[str, Secret, None]) -> Optional[Secret]:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(key=value)
