"""What a flytekit name refers to, whatever module it was imported from.

flytekit re-exports most public names from `flytekit/__init__.py`, so `flytekit.task`,
`flytekit.core.task.task` and `from flytekit.core.task import task as t` all name one thing. The
resolver reduces a qualified name (as LibCST's scope analysis reports it) to a *symbol*: the
public short name (`"task"`) plus any attribute path that follows it (`Secret.MountType.ENV_VAR`
gives `("Secret", "MountType.ENV_VAR")`).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

# Symbols that are functions or decorators: a match is only valid with no attribute path after it,
# which keeps module names that share a spelling (`flytekit.core.workflow.WorkflowBase`) out.
FUNCTIONS = frozenset(
    {
        "task",
        "workflow",
        "dynamic",
        "eager",
        "map_task",
        "conditional",
        "create_node",
        "current_context",
        "approve",
        "wait_for_input",
        "sleep",
        "kwtypes",
        "reference_task",
        "reference_workflow",
        "reference_launch_plan",
        "get_reference_entity",
        "new_context",
        "register_csv_handlers",
    }
)

# Classes and namespaces: an attribute path may follow (`LaunchPlan.get_or_create`).
CLASSES = frozenset(
    {
        "ImageSpec",
        "Resources",
        "Secret",
        "Cache",
        "CachePolicy",
        "PodTemplate",
        "Documentation",
        "Description",
        "TaskMetadata",
        "Labels",
        "Annotations",
        "LaunchPlan",
        "CronSchedule",
        "FixedRate",
        "Email",
        "Slack",
        "PagerDuty",
        "WorkflowExecutionPhase",
        "WorkflowFailurePolicy",
        "Deck",
        "Echo",
        "FlyteFile",
        "FlyteDirectory",
        "StructuredDataset",
        "FlyteSchema",
        "HashMethod",
        "ShellTask",
        "FileSensor",
        # structured-dataset type-system extensions and the IDL models they build
        "StructuredDatasetEncoder",
        "StructuredDatasetDecoder",
        "StructuredDatasetTransformerEngine",
        "StructuredDatasetType",
        "StructuredDatasetMetadata",
        "LiteralStructuredDataset",
        # IDL models a TypeTransformer builds (flytekit.models.*, re-exported by flytekit)
        "Literal",
        "Scalar",
        "Blob",
        "BlobMetadata",
        "BlobType",
        "LiteralType",
        "OutputLocation",
        "ContainerTask",
        "SQLite3Task",
        "SQLite3Config",
        # structured-dataset storage formats (plain strings)
        "PARQUET",
        "CSV",
        "SQLTask",
        "Workflow",
        "FlyteRemote",
        "Artifact",
        "FlyteError",
        "EagerException",
        "FlyteRecoverableException",
        "FlyteDisapprovalException",
        "BatchSize",
        "Checkpoint",
        "Config",
        "Options",
        "PythonFunctionTask",
        "PythonInstanceTask",
        "FlyteContext",
        "FlyteContextManager",
        "ExecutionParameters",
        "SecretsManager",
        "TopFrameRenderer",
        "MarkdownRenderer",
        "TypeEngine",
        "TypeTransformer",
        "JoblibSerializedFile",
        "CSVFile",
        "ONNXFile",
        "PNGImageFile",
        "JPEGImageFile",
        "PythonPickledFile",
        "TFRecordFile",
        "JSONLFile",
        "HTMLPage",
        "PDFFile",
        "TensorboardLogs",
        "TFRecordsDirectory",
        # accelerators (flytekit.extras.accelerators)
        "T4",
        "A10G",
        "A10",
        "A100",
        "A100G",
        "A100_80GB",
        "L4",
        "L4_VWS",
        "H100",
        "H200",
        "V100",
        "K80",
        "M60",
        "P4",
        "P100",
        "GPUAccelerator",
    }
)

# FlyteFile aliases that carry a format: they all become `flyte.io.File`.
FILE_ALIASES = frozenset(
    {
        "FlyteFile",
        "JoblibSerializedFile",
        "CSVFile",
        "ONNXFile",
        "PNGImageFile",
        "JPEGImageFile",
        "PythonPickledFile",
        "TFRecordFile",
        "JSONLFile",
        "HTMLPage",
        "PDFFile",
    }
)
DIR_ALIASES = frozenset({"FlyteDirectory", "TensorboardLogs", "TFRecordsDirectory"})

# base classes of type-system extensions -> the methods that become coroutines in Flyte 2
# (flyte.io.extend's DataFrameEncoder/Decoder, flyte.types.TypeTransformer)
TYPE_EXTENSIONS = {
    "StructuredDatasetEncoder": ("encode",),
    "StructuredDatasetDecoder": ("decode",),
    "TypeTransformer": ("to_literal", "to_python_value"),
}

# flytekit.extras.accelerators constant -> flyte 2 GPU device name.
ACCELERATORS = {
    "T4": "T4",
    "A10G": "A10G",
    "A10": "A10",
    "A100": "A100",
    "A100G": "A100",
    "A100_80GB": "A100_80G",
    "L4": "L4",
    "L4_VWS": "L4",
    "H100": "H100",
    "H200": "H200",
    "V100": "V100",
}

ROOTS = ("flytekit", "flytekitplugins")


class Symbol(NamedTuple):
    """A resolved flytekit name: its public short name and the attribute path after it."""

    name: str
    rest: str = ""
    plugin: bool = False

    @property
    def full(self) -> str:
        return f"{self.name}.{self.rest}" if self.rest else self.name


def symbol_for(qualified: str) -> Optional[Symbol]:
    """Reduce a qualified name to the flytekit symbol it names, or None if it is not one.

    A name under `flytekitplugins` resolves to a plugin symbol whose `name` is the last
    component, so callers can report it but never mistake it for a core construct.
    """
    parts = qualified.split(".")
    if parts[0] not in ROOTS:
        return None
    if parts[0] == "flytekitplugins":
        return Symbol(parts[-1], "", plugin=True)
    # Search from the right so that `flytekit.core.task.task` names the function, not the module.
    for i in range(len(parts) - 1, 0, -1):
        name = parts[i]
        rest = ".".join(parts[i + 1 :])
        if name == "StructuredDataset" and "models" in parts[1:i]:
            # flytekit.models.literals.StructuredDataset: the IDL literal, not the user-facing type
            return Symbol("LiteralStructuredDataset", rest)
        if name in CLASSES:
            return Symbol(name, rest)
        if name in FUNCTIONS and not rest:
            return Symbol(name)
    return None
