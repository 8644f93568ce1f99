"""`flytekit.types.iterator`."""
