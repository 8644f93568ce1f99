"""Constants of flytekit's interactive debugging."""

FLYTE_ENABLE_VSCODE_KEY = "_F_E_VS"

__all__ = ["FLYTE_ENABLE_VSCODE_KEY"]
