"""The git repository a program runs from: its remote, commit and whether the tree is clean,
used to link code to where it is hosted (GitHub, GitLab)."""

from __future__ import annotations

import pathlib
import re
import subprocess
from dataclasses import dataclass, field
from typing import Optional

from ..config import Config, auto


def _git(*args: str, cwd: Optional[pathlib.Path] = None) -> Optional[str]:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, check=False, cwd=cwd)
    except Exception:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@dataclass
class GitStatus:
    """A repository's state. `is_valid` is False outside a git work tree (then every link is "")."""

    is_valid: bool = False
    is_tree_clean: bool = False
    remote_url: str = ""
    repo_dir: pathlib.Path = field(default_factory=lambda: pathlib.Path("."))
    commit_sha: str = ""

    @classmethod
    def from_current_repo(cls) -> GitStatus:
        """The repository the current directory is in."""
        top = _git("rev-parse", "--show-toplevel")
        if not top:
            return cls()
        status = cls(is_valid=True, repo_dir=pathlib.Path(top))
        status.commit_sha = _git("rev-parse", "HEAD") or ""
        status.is_tree_clean = _git("status", "--porcelain") == ""
        status.remote_url = status._get_remote_url()
        return status

    def _get_remote_url(self) -> str:
        """The `origin` remote (else the first one) as an https URL without `.git`."""
        try:
            out = subprocess.run(["git", "remote", "get-url", "origin"], capture_output=True, text=True, check=False)
            if out.returncode != 0 or not out.stdout.strip():
                names = subprocess.run(["git", "remote"], capture_output=True, text=True, check=False)
                first = names.stdout.split()[0] if names.returncode == 0 and names.stdout.split() else None
                if first is None:
                    return ""
                out = subprocess.run(["git", "remote", "get-url", first], capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    return ""
            return self._normalize_url_to_https(out.stdout.strip())
        except Exception:
            return ""

    @staticmethod
    def _normalize_url_to_https(url: str) -> str:
        """`git@host:owner/repo.git` and `https://host/owner/repo.git` alike become
        `https://host/owner/repo`."""
        url = url.strip()
        m = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", url)
        if m:
            url = f"https://{m.group(1)}/{m.group(2)}"
        elif url.startswith("http://"):
            url = "https://" + url[len("http://"):]
        return url[:-4] if url.endswith(".git") else url

    @staticmethod
    def _get_remote_host(url: str) -> str:
        rest = url.split("://", 1)[1] if "://" in url else url
        return rest.split("/", 1)[0]

    def _get_file_path(self, path: pathlib.Path | str) -> str:
        """`path` relative to the repository ("" when it is outside it)."""
        try:
            return pathlib.Path(path).resolve().relative_to(self.repo_dir).as_posix()
        except ValueError:
            return ""

    def build_url(self, path: pathlib.Path | str, line_number: int) -> str:
        """A link to `path` at this commit (with the line when the tree is clean, since the line
        may have moved otherwise); "" when there is no such link (no repo, unknown host)."""
        if not self.is_valid or not self.remote_url.startswith("https://"):
            return ""
        rel = self._get_file_path(path)
        if not rel:
            return ""
        host = self._get_remote_host(self.remote_url)
        if host == "github.com" or host.startswith("github."):
            url = f"{self.remote_url}/blob/{self.commit_sha}/{rel}"
        elif host == "gitlab.com" or host.startswith("gitlab."):
            url = f"{self.remote_url}/-/blob/{self.commit_sha}/{rel}"
        else:
            return ""
        return f"{url}#L{line_number}" if self.is_tree_clean else url


def config_from_root(path: pathlib.Path | str = ".flyte/config.yaml") -> Optional[Config]:
    """The configuration file at `path` under the git root, if there is one."""
    try:
        top = _git("rev-parse", "--show-toplevel")
        if not top:
            return None
        target = pathlib.Path(top) / path
        return auto(target) if target.exists() else None
    except Exception:
        return None
