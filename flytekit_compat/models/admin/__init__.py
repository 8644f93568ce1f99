"""`flytekit.models.admin`."""
