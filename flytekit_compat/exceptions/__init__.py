"""flytekit's exception classes (`flytekit.exceptions.user`, `.system`, `.base`, `.eager`)."""
