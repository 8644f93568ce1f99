"""Constants legacy code imports from `flytekit.core.constants`."""

MESSAGEPACK = "msgpack"
START_NODE_ID = "start-node"
END_NODE_ID = "end-node"
GLOBAL_INPUT_NODE_ID = ""
SOURCE_CODE = "source_code"

__all__ = ["END_NODE_ID", "GLOBAL_INPUT_NODE_ID", "MESSAGEPACK", "SOURCE_CODE", "START_NODE_ID"]
