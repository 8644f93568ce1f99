from .._image_spec import ImageBuildEngine, ImageSpec

__all__ = ["ImageBuildEngine", "ImageSpec"]
