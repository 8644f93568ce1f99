"""`flytekit.interactive`."""
