"""Image-builder plugins: a class implementing flytekit's ImageSpecBuilder registers with
ImageBuildEngine and is the one that builds an ImageSpec."""

from __future__ import annotations

from typing import Optional

import pytest
from flytekit.image_spec.image_spec import ImageBuildEngine, ImageSpecBuilder

from flytekit import ImageSpec


class RecordingBuilder(ImageSpecBuilder):
    def __init__(self, answer: Optional[str] = None) -> None:
        self.built: list[str] = []
        self.answer = answer

    def build_image(self, image_spec: ImageSpec) -> Optional[str]:
        self.built.append(image_spec.name)
        return self.answer


class MissingImage(ImageSpec):
    def exist(self) -> Optional[bool]:
        return False


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageBuildEngine, "_REGISTRY", {})


def test_builder_is_abstract_until_build_image_is_written() -> None:
    with pytest.raises(TypeError):
        ImageSpecBuilder()  # type: ignore[abstract]


def test_named_builder_builds_a_missing_image_and_its_name_is_returned() -> None:
    low, high = RecordingBuilder(), RecordingBuilder("registry.local/app:v1")
    ImageBuildEngine.register("low", low, priority=1)
    ImageBuildEngine.register("high", high, priority=9)
    spec = MissingImage(name="App", builder="low")
    assert ImageBuildEngine.build(spec) == spec.image_name()
    assert low.built == ["app"] and high.built == []
    # no builder named: the one of highest priority
    assert ImageBuildEngine.build(MissingImage(name="other")) == "registry.local/app:v1"
    assert high.built == ["other"]


def test_an_image_the_registry_cannot_check_is_assumed_present() -> None:
    builder = RecordingBuilder()
    ImageBuildEngine.register("b", builder)
    assert ImageBuildEngine.build(ImageSpec(name="x", builder="b")) is None
    assert builder.built == []


def test_unknown_builder_and_no_builder_are_clear_errors() -> None:
    with pytest.raises(RuntimeError, match="needs a container builder"):
        ImageBuildEngine.build(ImageSpec(name="x"))
    ImageBuildEngine.register("b", RecordingBuilder())
    with pytest.raises(AssertionError, match=r"Unsupported builder 'nope'.*registered builders: \['b'\]"):
        ImageBuildEngine.build(ImageSpec(name="x", builder="nope"))
