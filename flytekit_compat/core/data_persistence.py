"""Where flytekit keeps local data; `FileAccessProvider` (remote storage access) is import-only."""

from __future__ import annotations

import os
import tempfile

from .._internal import internal_classes

# flytekit's scratch root for local runs: files written here by tests and tasks outlive the task.
flyte_tmp_dir = os.path.join(tempfile.gettempdir(), "flyte")
os.makedirs(flyte_tmp_dir, exist_ok=True)

(FileAccessProvider,) = internal_classes(__name__, "remote storage access", "FileAccessProvider")

__all__ = ["FileAccessProvider", "flyte_tmp_dir"]
