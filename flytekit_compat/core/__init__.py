"""`flytekit.core`: the module paths legacy code imports from."""
