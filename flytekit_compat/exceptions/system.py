"""Errors of the platform rather than the user's code."""

from __future__ import annotations

from .base import FlyteException, FlyteRecoverableException


class FlyteSystemException(FlyteRecoverableException):
    _ERROR_CODE = "SYSTEM:Unknown"


class FlyteSystemUnavailableException(FlyteSystemException):
    _ERROR_CODE = "SYSTEM:Unavailable"


class FlyteNotImplementedException(FlyteSystemException, NotImplementedError):
    _ERROR_CODE = "SYSTEM:NotImplemented"


class FlyteEntrypointNotLoadable(FlyteSystemException):
    _ERROR_CODE = "SYSTEM:UnloadableCode"


class FlyteSystemAssertion(FlyteSystemException, AssertionError):
    _ERROR_CODE = "SYSTEM:AssertionError"


class FlyteDownloadDataException(FlyteSystemException):
    _ERROR_CODE = "SYSTEM:DownloadDataError"


class FlyteUploadDataException(FlyteSystemException):
    _ERROR_CODE = "SYSTEM:UploadDataError"


class FlyteNonRecoverableSystemException(FlyteException):
    _ERROR_CODE = "USER:NonRecoverableSystemError"
