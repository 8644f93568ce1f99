"""Where flytekit keeps local data, and `FileAccessProvider`: copying data between paths.

flytekit's provider moves data between the local sandbox and remote object stores through
fsspec. The shim's runs are local, so "remote" paths default to a directory under the same
sandbox; URLs with a protocol go through fsspec when it is installed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from typing import Any, Optional

# The process's scratch root for local data, fresh per process as in flytekit. (A fixed name such
# as /tmp/flyte would also shadow the `flyte` package for scripts run from the temp directory.)
flyte_tmp_dir = tempfile.mkdtemp(prefix="flyte-")


def _fs(path: str) -> tuple[Any, str]:
    if "://" in path and not path.startswith("file://"):
        try:
            import fsspec
        except ImportError:
            raise NotImplementedError(f"Reading or writing {path!r} needs fsspec (and its protocol's package)") from None
        return fsspec.core.url_to_fs(path)
    return None, path[len("file://"):] if path.startswith("file://") else path


class FileAccessProvider:
    def __init__(self, local_sandbox_dir: Optional[str] = None, raw_output_prefix: Optional[str] = None,
                 data_config: Any = None, execution_metadata: Any = None):
        self._local_sandbox_dir = local_sandbox_dir or tempfile.mkdtemp(prefix="sandbox", dir=flyte_tmp_dir)
        self._raw_output_prefix = raw_output_prefix or os.path.join(self._local_sandbox_dir, "raw")

    @property
    def local_sandbox_dir(self) -> str:
        return self._local_sandbox_dir

    @property
    def raw_output_prefix(self) -> str:
        return self._raw_output_prefix

    def exists(self, path: str) -> bool:
        fs, p = _fs(path)
        return fs.exists(p) if fs is not None else os.path.exists(p)

    def get_random_string(self) -> str:
        return uuid.uuid4().hex

    def get_random_local_path(self, file_path_or_file_name: Optional[str] = None) -> str:
        name = os.path.basename(file_path_or_file_name) if file_path_or_file_name else self.get_random_string()
        directory = os.path.join(self._local_sandbox_dir, self.get_random_string())
        os.makedirs(directory, exist_ok=True)
        return os.path.join(directory, name)

    def get_random_local_directory(self) -> str:
        path = os.path.join(self._local_sandbox_dir, self.get_random_string())
        os.makedirs(path, exist_ok=True)
        return path

    def get_random_remote_path(self, file_path_or_file_name: Optional[str] = None) -> str:
        name = os.path.basename(file_path_or_file_name) if file_path_or_file_name else self.get_random_string()
        return os.path.join(self._raw_output_prefix, self.get_random_string(), name)

    def generate_new_custom_path(self, fs: Any = None, alt: Optional[str] = None, stem: Optional[str] = None) -> str:
        """A new path under the raw output prefix: its last part replaced by `stem` (else a random
        name), and with `alt` in place of the prefix's first member after the scheme (an object
        store's bucket; on a local prefix, the directory under the root), as flytekit does."""
        parts = self._raw_output_prefix.rstrip("/").split("/")  # "s3://b/p" -> ["s3:", "", "b", "p"]
        if alt:
            if len(parts) < 3:
                raise ValueError(f"Cannot replace the bucket of raw output prefix {self._raw_output_prefix!r} with {alt!r}")
            parts[2] = alt
        parts.append(stem or self.get_random_string())
        return "/".join(parts)

    def get_random_remote_directory(self) -> str:
        return os.path.join(self._raw_output_prefix, self.get_random_string())

    def _copy(self, src: str, dst: str, recursive: bool) -> None:
        sfs, s = _fs(src)
        dfs, d = _fs(dst)
        if sfs is None and dfs is None:
            if recursive or os.path.isdir(s):
                shutil.copytree(s, d, dirs_exist_ok=True)
            else:
                os.makedirs(os.path.dirname(d) or ".", exist_ok=True)
                shutil.copyfile(s, d)
        elif sfs is not None and dfs is None:
            sfs.get(s, d, recursive=recursive)
        elif sfs is None:
            dfs.put(s, d, recursive=recursive)
        else:
            with sfs.open(s, "rb") as fi, dfs.open(d, "wb") as fo:
                fo.write(fi.read())

    def get_data(self, remote_path: str, local_path: str, is_multipart: bool = False, **kwargs: Any) -> str:
        self._copy(remote_path, local_path, is_multipart)
        return local_path

    def put_data(self, local_path: str, remote_path: str, is_multipart: bool = False, **kwargs: Any) -> str:
        self._copy(local_path, remote_path, is_multipart)
        return remote_path

    def upload_directory(self, local_path: str, remote_path: str, **kwargs: Any) -> str:
        return self.put_data(local_path, remote_path, is_multipart=True)

    def download_directory(self, remote_path: str, local_path: str, **kwargs: Any) -> str:
        return self.get_data(remote_path, local_path, is_multipart=True)

    def upload(self, file_path: str, to_path: str, **kwargs: Any) -> str:
        return self.put_data(file_path, to_path)

    def download(self, remote_path: str, local_path: str, **kwargs: Any) -> str:
        return self.get_data(remote_path, local_path)


__all__ = ["FileAccessProvider", "flyte_tmp_dir"]
