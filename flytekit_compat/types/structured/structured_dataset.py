"""`flytekit.types.structured.structured_dataset`: the dataset type and the registry of custom
dataframe encoders, decoders and renderers."""

from typing import Any, Optional

from ._structured_dataset import (
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)


class StructuredDatasetEncoder:
    """Base of custom encoders (a Python dataframe type to stored data). Registered encoders are
    recorded; the shim carries dataframe objects directly, so it does not call them."""

    def __init__(self, python_type: type, protocol: Optional[str] = None, supported_format: Optional[str] = None,
                 additional_protocols: Optional[list[str]] = None):
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or ""

    @property
    def python_type(self) -> type:
        return self._python_type

    @property
    def protocol(self) -> Optional[str]:
        return self._protocol

    @property
    def supported_format(self) -> str:
        return self._supported_format

    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.encode")


class StructuredDatasetDecoder(StructuredDatasetEncoder):
    """Base of custom decoders (stored data to a Python dataframe type); recorded like encoders."""

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.decode")


class StructuredDatasetTransformerEngine:
    """Registry of dataframe encoders, decoders and renderers, by Python type and format."""

    ENCODERS: dict[tuple[type, str], StructuredDatasetEncoder] = {}
    DECODERS: dict[tuple[type, str], StructuredDatasetDecoder] = {}
    RENDERERS: dict[type, Any] = {}
    registered_formats: set[str] = {PARQUET, CSV}

    @classmethod
    def register(cls, h: StructuredDatasetEncoder, default_for_type: bool = False, override: bool = False,
                 default_format_for_type: bool = False, default_storage_for_type: bool = False) -> None:
        if not isinstance(h, StructuredDatasetEncoder):
            raise TypeError(f"Expected an encoder or decoder, got {type(h).__name__}")
        table = cls.DECODERS if isinstance(h, StructuredDatasetDecoder) else cls.ENCODERS
        key = (h.python_type, h.supported_format)
        if key in table and not override and table[key] is not h:
            raise ValueError(f"A handler for {h.python_type} in format {h.supported_format!r} is already registered")
        table[key] = h  # type: ignore[assignment]
        cls.registered_formats.add(h.supported_format)

    @classmethod
    def register_renderer(cls, python_type: type, renderer: Any) -> None:
        cls.RENDERERS[python_type] = renderer


__all__ = [
    "CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetDecoder", "StructuredDatasetEncoder",
    "StructuredDatasetMetadata", "StructuredDatasetTransformerEngine", "StructuredDatasetType",
]
