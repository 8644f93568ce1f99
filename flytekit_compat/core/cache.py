from .._cache import Cache, VersionParameters

CachePolicy = Cache

__all__ = ["Cache", "CachePolicy", "VersionParameters"]
