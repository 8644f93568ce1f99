"""`syncify`: write an async function once, call it from sync code (`f(...)`) or async code
(`await f.aio(...)`). Works on functions, methods, classmethods, staticmethods and async
generators (the sync form then returns an iterator)."""

from ._api import Syncify, syncify

__all__ = ["Syncify", "syncify"]
