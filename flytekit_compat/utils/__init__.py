"""`flytekit.utils`."""
