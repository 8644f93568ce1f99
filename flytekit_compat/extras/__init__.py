"""`flytekit.extras`."""
