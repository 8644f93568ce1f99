"""What flyte-sdk's own example programs rely on beyond the public API, in our own cases
(scripts/sdk_examples_corpus.py runs the programs themselves against the real SDK)."""

from __future__ import annotations

import asyncio
import dataclasses
import typing

import pytest
import typing_extensions
from pydantic import BaseModel, Field

import flyte
import flyte.errors
from flyte.io import Dir, File
from flyte.types import TypeEngine

# -- flyte.types._type_engine: the SDK's address for the built-in transformers ---------------------

class Inner(BaseModel):
    count: int = 0
    labels: list[str] = Field(default_factory=list)


class Order(BaseModel):
    ident: str
    state: str = "new"
    extras: dict[str, str] = Field(default_factory=dict)
    inner: Inner = Field(default_factory=Inner)


def test_type_engine_module_names_the_engines_own_transformers():
    from flyte.types import _type_engine as sdk_address

    assert sdk_address.TypeEngine is TypeEngine
    assert type(TypeEngine.get_transformer(Order)) is sdk_address.PydanticTransformer
    assert sdk_address.PydanticTransformer().get_literal_type(Order) == TypeEngine.to_literal_type(Order)
    for name in sdk_address.__all__:
        assert getattr(sdk_address, name) is not None, name


def _fields(cls) -> list[str]:
    return sorted(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else sorted(cls.model_fields)


def test_model_literal_type_reverses_with_every_field_tagged_or_not():
    from flyte.types._type_engine import PydanticTransformer

    lt = PydanticTransformer().get_literal_type(Order)
    assert lt.structure.tag == "Pydantic Transformer"
    tagged = TypeEngine.guess_python_type(lt)
    untagged_lt = type(lt)()
    untagged_lt.CopyFrom(lt)
    untagged_lt.ClearField("structure")
    untagged = TypeEngine.guess_python_type(untagged_lt)
    assert _fields(tagged) == _fields(untagged) == ["extras", "ident", "inner", "state"]
    # the reconstructed class takes the plain data a model of the original class dumps to
    rebuilt = tagged(**Order(ident="a").model_dump()) if dataclasses.is_dataclass(tagged) else \
        tagged.model_validate(Order(ident="a").model_dump())
    assert rebuilt.ident == "a"


def test_run_fills_a_partial_dict_into_a_model_with_default_factories(flyte_home):
    env = flyte.TaskEnvironment(name="sdk_examples_dict_inputs")

    @env.task
    async def describe(order: Order) -> str:
        return f"{order.ident}|{order.state}|{order.extras}|{order.inner.count}|{order.inner.labels}"

    run = flyte.run(describe, order={"ident": "o-1"})
    assert run.outputs()[0] == "o-1|new|{}|0|[]"


# -- flyte.build: an image whose existence cannot be checked is assumed built (SDK rule) -----------

def test_build_without_a_registry_check_assumes_the_image_exists(caplog):
    layered = flyte.Image.from_debian_base().with_apt_packages("vim").with_env_vars({"k": "v"})

    async def build_all():
        return await asyncio.gather(*(flyte.build.aio(i) for i in (layered, flyte.Image.from_debian_base())))

    with caplog.at_level("INFO", logger="flyte"):
        built, base = asyncio.run(build_all())
    assert built.uri == layered.uri and built.remote_run is None
    assert base.uri == flyte.Image.from_debian_base().uri
    assert any("assuming it exists" in r.getMessage() and layered.uri in r.getMessage() for r in caplog.records)


def test_build_that_must_build_says_this_runtime_does_not():
    layered = flyte.Image.from_debian_base().with_pip_packages("numpy")
    with pytest.raises(flyte.errors.ImageBuildError, match="does not build images"):
        flyte.build(layered, force=True)


# -- the blocking flyte.map inside an async task, and output type errors across a call -------------

_blocking_env = flyte.TaskEnvironment(name="sdk_examples_blocking_map")


@_blocking_env.task
async def _square(x: int) -> int:
    return x * x


@_blocking_env.task
async def _blocking_map_as_list() -> list[int]:
    return list(flyte.map(_square, [1, 2, 3]))


@_blocking_env.task
async def _blocking_map_items() -> list[str]:
    return [type(r).__name__ + ": " + str(r) for r in flyte.map(_square, [1, 2])]


@_blocking_env.task
async def _blocking_map_strict() -> list[int]:
    return list(flyte.map(_square, [1, 2], return_exceptions=False))


@_blocking_env.task
async def _returns_wrong_type() -> str:
    return 2.5j  # type: ignore[return-value]


@_blocking_env.task
async def _catches_child_error() -> str:
    try:
        await _returns_wrong_type()
    except flyte.errors.RuntimeDataValidationError as e:
        return f"{type(e).__name__}|{e}"
    return "no error"


def test_blocking_map_in_an_async_task_yields_the_deadlock_per_item(flyte_home):
    items = flyte.run(_blocking_map_items).outputs()[0]
    assert len(items) == 2
    assert all(i.startswith("AssertionError: Deadlock detected: blocking call flyte.map ") for i in items)
    assert all("flyte.map.aio" in i for i in items)
    # returned as the task's list[int], the errors fail the output's type, as on the SDK
    with pytest.raises(flyte.errors.RuntimeDataValidationError,
                       match=r"variable o0, failed to serialize/deserialize because of .*AssertionError.*flyte.map.aio"):
        flyte.run(_blocking_map_as_list)
    with pytest.raises(flyte.errors.RuntimeUserError, match="Deadlock detected"):
        flyte.run(_blocking_map_strict)


def test_output_type_error_keeps_its_class_across_a_call(flyte_home):
    got = flyte.run(_catches_child_error).outputs()[0]
    name, message = got.split("|", 1)
    assert name == "RuntimeDataValidationError"
    assert message.startswith("In task sdk_examples_blocking_map._returns_wrong_type variable o0, "
                              "failed to serialize/deserialize because of ")


# -- content-based caching: a File or Dir with a preset hash is keyed by it ------------------------

_hash_env = flyte.TaskEnvironment(name="sdk_examples_content_hash")
READS: list[str] = []


@_hash_env.task(cache="auto")
async def _read_text(f: File) -> str:
    READS.append(f.path)
    async with f.open("rb") as fh:
        return bytes(await fh.read()).decode()


@_hash_env.task(cache="auto")
async def _count_files(d: Dir) -> int:
    READS.append(d.path)
    return len(await d.list_files())


@_hash_env.task
async def _content_hash_calls(first: str, second: str, third: str, d1: str, d2: str) -> list:
    same_a = await _read_text(await File.from_local(first, hash_method="report-v1"))
    same_b = await _read_text(await File.from_local(second, hash_method="report-v1"))
    unhashed = await _read_text(await File.from_local(third))
    dir_a = await _count_files(await Dir.from_local(d1, dir_cache_key="inputs-v1"))
    dir_b = await _count_files(await Dir.from_local(d2, dir_cache_key="inputs-v1"))
    return [same_a, same_b, unhashed, dir_a, dir_b]


def test_preset_hash_keys_the_cache_instead_of_the_bytes(flyte_home, tmp_path):
    first, second, third = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    first.write_text("first contents")
    second.write_text("other contents")
    third.write_text("third contents")
    d1, d2 = tmp_path / "d1", tmp_path / "d2"
    d1.mkdir()
    d2.mkdir()
    (d2 / "extra.txt").write_text("x")
    READS.clear()
    out = flyte.run(_content_hash_calls, str(first), str(second), str(third), str(d1), str(d2)).outputs()[0]
    # the second file carries the first's hash, so its call is the first call's cached result
    assert out == ["first contents", "first contents", "third contents", 0, 0]
    assert len(READS) == 3


# -- flyte.extend: what plugin and CI code builds on -----------------------------------------------

def test_image_build_engine_keeps_a_release_tag_and_builds_nothing():
    from flyte.extend import ImageBuildEngine

    image = flyte.Image.from_base("ghcr.io/example/base:1.0").clone(registry="registry.example.com/team", name="app")
    object.__setattr__(image, "_tag", "v1.2.3")
    assert image.uri == "registry.example.com/team/app:v1.2.3"
    built = asyncio.run(ImageBuildEngine.build(image, builder="local"))
    assert built.uri == "registry.example.com/team/app:v1.2.3"
    assert asyncio.run(ImageBuildEngine.image_exists(image)) == built.uri
    with pytest.raises(flyte.errors.ImageBuildError, match="does not build images"):
        asyncio.run(ImageBuildEngine.build(image, force=True))
    with pytest.raises(ValueError, match="Unknown image builder 'kaniko'"):
        asyncio.run(ImageBuildEngine.build(image, builder="kaniko"))


class _EchoConfig:
    pass


def test_task_plugin_registry_decides_the_task_class_of_an_environment():
    from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry

    class EchoTask(AsyncFunctionTaskTemplate):
        pass

    assert TaskPluginRegistry.find(_EchoConfig) is None
    TaskPluginRegistry.register(_EchoConfig, EchoTask)
    try:
        assert TaskPluginRegistry.find(_EchoConfig) is EchoTask
        assert _EchoConfig in TaskPluginRegistry.list_plugins()
        plugin_env = flyte.TaskEnvironment(name="sdk_examples_plugin", plugin_config=_EchoConfig())

        @plugin_env.task
        async def echo(x: int) -> int:
            return x

        assert type(echo) is EchoTask
    finally:
        from flyte._environment import TASK_PLUGINS

        TASK_PLUGINS.pop(_EchoConfig, None)


def test_lazy_module_defers_import_and_missing_modules_fail_on_use():
    import sys

    from flyte.extend import lazy_module

    sys.modules.pop("colorsys", None)
    mod = lazy_module("colorsys")
    assert mod.rgb_to_hsv(1.0, 0.0, 0.0)[2] == 1.0
    missing = lazy_module("no_such_module_for_flyte_tests")
    with pytest.raises(ImportError, match="no_such_module_for_flyte_tests is not installed"):
        missing.anything  # noqa: B018


# -- Run.get_debug_url: a debug server exists only on a backend -------------------------------------

def test_debug_url_of_a_local_run_fails_as_without_a_backend(flyte_home):
    run = flyte.with_runcontext(debug=True).run(_square, 3)
    assert run.outputs()[0] == 9
    with pytest.raises(flyte.errors.InitializationError, match=r"Client has not been initialized.*needs a Flyte backend"):
        run.get_debug_url()


# -- TypedDict NotRequired/Required keys written as string annotations (PEP 563) -------------------
# (this module has `from __future__ import annotations`, so these hints are strings and
# `__required_keys__` lists every key before Python 3.12)

class _Reply(typing.TypedDict):
    text: str
    attachments: typing_extensions.NotRequired[list[str]]
    score: typing.NotRequired[float]


class _Sparse(typing.TypedDict, total=False):
    ident: typing_extensions.Required[str]
    note: str


_td_env = flyte.TaskEnvironment(name="sdk_examples_typeddict_keys")


@_td_env.task
async def _bare_reply() -> _Reply:
    return _Reply(text="hi")


@_td_env.task
async def _keys_of(r: _Reply, s: _Sparse) -> list[str]:
    return sorted(r) + sorted(s)


@_td_env.task
async def _sparse_without_ident() -> _Sparse:
    return {"note": "no ident"}  # type: ignore[typeddict-item]


def test_typeddict_optional_keys_in_string_annotations_stay_absent(flyte_home):
    assert flyte.run(_bare_reply).outputs()[0] == {"text": "hi"}
    assert flyte.run(_keys_of, {"text": "a", "score": 1.0}, {"ident": "x"}).outputs()[0] == ["score", "text", "ident"]
    with pytest.raises(flyte.errors.RuntimeDataValidationError, match=r"_Sparse is missing required key.*'ident'"):
        flyte.run(_sparse_without_ident)


def test_run_action_is_the_root_action_read_from_the_store(flyte_home):
    run = flyte.run(_square, 4)

    async def wait_on_it():
        await run.action.wait()
        return run.action

    root = asyncio.run(wait_on_it())
    assert root.run_name == run.name
    assert root.phase == flyte.models.ActionPhase.SUCCEEDED
