"""Base of flytekit's exception tree: every class carries an error code."""

from __future__ import annotations

from typing import Any, Optional


class _CodedMeta(type):
    @property
    def error_code(cls) -> str:
        return cls._ERROR_CODE  # type: ignore[attr-defined]


class FlyteException(Exception, metaclass=_CodedMeta):
    _ERROR_CODE = "UnknownFlyteException"

    def __init__(self, *args: Any, timestamp: Optional[float] = None) -> None:
        super().__init__(*args)
        self._timestamp = timestamp

    @property
    def timestamp(self) -> Optional[float]:
        return self._timestamp

    def __str__(self) -> str:
        message = f"error={','.join(str(a) for a in self.args) if self.args else 'None'}"
        if self.__cause__:
            message += f", cause={self.__cause__}"
        return f"{self._ERROR_CODE}: {message}"


class FlyteRecoverableException(FlyteException):
    _ERROR_CODE = "RecoverableFlyteException"
