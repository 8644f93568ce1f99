"""`flytekit.extras.tasks`: tasks that are not Python functions (shell scripts)."""
