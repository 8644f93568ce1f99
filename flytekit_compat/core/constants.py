"""Constants legacy code imports from `flytekit.core.constants`."""

MESSAGEPACK = "msgpack"
START_NODE_ID = "start-node"
END_NODE_ID = "end-node"
GLOBAL_INPUT_NODE_ID = ""
SOURCE_CODE = "source_code"
# keys of a literal's metadata: a custom cache key, and how a value was serialized
CACHE_KEY_METADATA = "cache-key-metadata"
SERIALIZATION_FORMAT = "serialization-format"

__all__ = ["CACHE_KEY_METADATA", "END_NODE_ID", "GLOBAL_INPUT_NODE_ID", "MESSAGEPACK", "SERIALIZATION_FORMAT", "SOURCE_CODE", "START_NODE_ID"]
