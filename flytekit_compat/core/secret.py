from .._secrets import Secret, SecretsManager

__all__ = ["Secret", "SecretsManager"]
