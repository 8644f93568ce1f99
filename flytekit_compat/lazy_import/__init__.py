"""`flytekit.lazy_import`: modules loaded on first use."""
