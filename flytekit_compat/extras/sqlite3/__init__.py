"""`flytekit.extras.sqlite3`."""
