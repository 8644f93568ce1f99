"""A few `flytekit.models` names that user code passes around (documentation, labels)."""
