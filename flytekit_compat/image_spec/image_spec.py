from .._image_spec import ImageBuildEngine, ImageSpec, ImageSpecBuilder

__all__ = ["ImageBuildEngine", "ImageSpec", "ImageSpecBuilder"]
