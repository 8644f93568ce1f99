"""Storage configuration: how to reach object stores (S3, GCS, Azure) and with which retries.

`get_fsspec_kwargs()` gives the keyword arguments of an obstore-backed fsspec filesystem, as the
SDK builds them (`config`, `client_options`, `retry_config`), so a configuration written for the
SDK means the same here. `flyte.init(storage=...)` sets the one in use (kept by the runtime, `flyte._fsspec`); otherwise each
protocol's `auto()` reads the environment (FLYTE_AWS_*, AZURE_*, FLYTE_STORAGE_*).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Optional

_SKIP_SIGNATURE = "skip_signature"


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name)
    return value if value else None


@dataclass(frozen=True)
class Storage:
    """Settings every object store shares."""

    retries: int = 3
    backoff: datetime.timedelta = datetime.timedelta(seconds=5)
    enable_debug: bool = False
    attach_execution_metadata: bool = True

    _KEY_ENV_VAR_MAPPING: ClassVar[Dict[str, str]] = {
        "enable_debug": "FLYTE_STORAGE_DEBUG",
        "retries": "FLYTE_STORAGE_RETRIES",
        "backoff": "FLYTE_STORAGE_BACKOFF_SECONDS",
    }

    def get_fsspec_kwargs(self, anonymous: bool = False, **kwargs: Any) -> Dict[str, Any]:
        """Filesystem kwargs; caller-given `retry_config`/`client_options` are kept as given."""
        retries = kwargs.pop("retries", self.retries)
        backoff = kwargs.pop("backoff", self.backoff)
        if anonymous:
            kwargs.setdefault("config", {})[_SKIP_SIGNATURE] = True
        kwargs.setdefault("retry_config", {
            "max_retries": retries,
            "backoff": {"base": 2, "init_backoff": backoff, "max_backoff": datetime.timedelta(seconds=16)},
            "retry_timeout": datetime.timedelta(minutes=3),
        })
        kwargs.setdefault("client_options", {"timeout": "99999s", "allow_http": True})
        return kwargs

    @classmethod
    def _auto_as_kwargs(cls) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        debug = _env(cls._KEY_ENV_VAR_MAPPING["enable_debug"])
        if debug is not None:
            out["enable_debug"] = debug.lower() in ("1", "true", "yes")
        retries = _env(cls._KEY_ENV_VAR_MAPPING["retries"])
        if retries is not None:
            out["retries"] = int(retries)
        backoff = _env(cls._KEY_ENV_VAR_MAPPING["backoff"])
        if backoff is not None:
            out["backoff"] = datetime.timedelta(seconds=float(backoff))
        return out

    @classmethod
    def auto(cls) -> Storage:
        """The configuration the environment describes."""
        return cls(**cls._auto_as_kwargs())


@dataclass(frozen=True)
class S3(Storage):
    """Amazon S3 or an S3-compatible store. Without static keys, `AWS_PROFILE` (with boto3
    installed) supplies credentials."""

    endpoint: Optional[str] = None
    access_key_id: Optional[str] = None
    secret_access_key: Optional[str] = None
    region: Optional[str] = None
    addressing_style: Optional[str] = None

    _KEY_ENV_VAR_MAPPING: ClassVar[Dict[str, str]] = {
        "endpoint": "FLYTE_AWS_ENDPOINT",
        "access_key_id": "FLYTE_AWS_ACCESS_KEY_ID",
        "secret_access_key": "FLYTE_AWS_SECRET_ACCESS_KEY",
        "addressing_style": "FLYTE_AWS_S3_ADDRESSING_STYLE",
        **Storage._KEY_ENV_VAR_MAPPING,
    }

    @classmethod
    def auto(cls, region: Optional[str] = None) -> S3:
        kwargs = cls._auto_as_kwargs()
        for field in ("endpoint", "access_key_id", "secret_access_key", "addressing_style"):
            value = _env(cls._KEY_ENV_VAR_MAPPING[field])
            if value is not None:
                kwargs[field] = value
        if region is not None:
            kwargs["region"] = region
        return cls(**kwargs)

    @classmethod
    def for_sandbox(cls) -> S3:
        """The local sandbox's S3 (MinIO/LocalStack on localhost:4566)."""
        return cls(**{**cls._auto_as_kwargs(), "endpoint": "http://localhost:4566", "access_key_id": "minio",
                      "secret_access_key": "miniostorage"})

    def _build_s3_credential_provider_from_config_file(self, aws_profile: str, aws_config_file: Optional[str],
                                                       region: Optional[str]) -> Any:
        import boto3
        from obstore.auth.boto3 import Boto3CredentialProvider

        if aws_config_file:
            os.environ.setdefault("AWS_CONFIG_FILE", aws_config_file)
        return Boto3CredentialProvider(session=boto3.session.Session(profile_name=aws_profile, region_name=region))

    def get_fsspec_kwargs(self, anonymous: bool = False, **kwargs: Any) -> Dict[str, Any]:
        kwargs = super().get_fsspec_kwargs(anonymous=anonymous, **kwargs)
        config: Dict[str, Any] = kwargs.pop("config", {})
        if "access_key_id" in kwargs or self.access_key_id:
            config["access_key_id"] = kwargs.pop("access_key_id", self.access_key_id)
        if "secret_access_key" in kwargs or self.secret_access_key:
            config["secret_access_key"] = kwargs.pop("secret_access_key", self.secret_access_key)
        if "endpoint_url" in kwargs or self.endpoint:
            config["endpoint"] = kwargs.pop("endpoint_url", self.endpoint)
        if self.addressing_style:
            config["virtual_hosted_style_request"] = self.addressing_style == "virtual"
        static = "access_key_id" in config and "secret_access_key" in config
        profile = os.environ.get("AWS_PROFILE")
        if not static and not anonymous and profile:
            try:
                kwargs["credential_provider"] = self._build_s3_credential_provider_from_config_file(
                    aws_profile=profile, aws_config_file=os.environ.get("AWS_CONFIG_FILE"),
                    region=self.region or os.environ.get("AWS_REGION"))
            except Exception:  # boto3 missing or the profile unusable: fall back to the default chain
                pass
        if config:
            kwargs["config"] = config
        if self.region:
            kwargs["region"] = self.region
        return kwargs


@dataclass(frozen=True)
class GCS(Storage):
    """Google Cloud Storage (credentials from the environment)."""

    _KEY_ENV_VAR_MAPPING: ClassVar[Dict[str, str]] = {**Storage._KEY_ENV_VAR_MAPPING}

    @classmethod
    def auto(cls) -> GCS:
        return cls(**cls._auto_as_kwargs())


@dataclass(frozen=True)
class ABFS(Storage):
    """Azure Blob Storage / Data Lake."""

    account_name: Optional[str] = None
    account_key: Optional[str] = None
    tenant_id: Optional[str] = None
    client_id: Optional[str] = None
    client_secret: Optional[str] = None

    _KEY_ENV_VAR_MAPPING: ClassVar[Dict[str, str]] = {
        "account_name": "AZURE_STORAGE_ACCOUNT_NAME",
        "account_key": "AZURE_STORAGE_ACCOUNT_KEY",
        "tenant_id": "AZURE_TENANT_ID",
        "client_id": "AZURE_CLIENT_ID",
        "client_secret": "AZURE_CLIENT_SECRET",
        **Storage._KEY_ENV_VAR_MAPPING,
    }

    @classmethod
    def auto(cls) -> ABFS:
        kwargs = cls._auto_as_kwargs()
        for field in ("account_name", "account_key", "tenant_id", "client_id", "client_secret"):
            value = _env(cls._KEY_ENV_VAR_MAPPING[field])
            if value is not None:
                kwargs[field] = value
        return cls(**kwargs)

    def get_fsspec_kwargs(self, anonymous: bool = False, **kwargs: Any) -> Dict[str, Any]:
        kwargs = super().get_fsspec_kwargs(anonymous=anonymous, **kwargs)
        config: Dict[str, Any] = kwargs.pop("config", {})
        for field in ("account_name", "account_key", "client_id", "client_secret", "tenant_id"):
            value = kwargs.pop(field, getattr(self, field))
            if value:
                config[field] = value
        if config:
            kwargs["config"] = config
        return kwargs
