"""flyte.config (configuration files, environment overrides) and flyte.git (repository links)."""

import subprocess
from pathlib import Path

import pytest

import flyte.config
import flyte.git
from flyte.config import Config, ConfigFile

CONFIG = """\
admin:
  endpoint: dns:///flyte.example.com
  insecure: true
  command: ["uctl", "get-token"]
task:
  project: analytics
  domain: staging
local:
  persistence: true
image:
  builder: remote
  image_refs:
    gpu: ghcr.io/acme/gpu:1
"""


def test_a_file_is_read_by_section(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG)
    monkeypatch.delenv("FLYTE_TASK_PROJECT", raising=False)
    cfg = flyte.config.auto(path)
    assert cfg.platform.endpoint == "dns:///flyte.example.com" and cfg.platform.insecure is True
    assert cfg.platform.command == ["uctl", "get-token"]
    assert (cfg.task.project, cfg.task.domain) == ("analytics", "staging")
    assert cfg.local.persistence is True and cfg.image.image_refs == {"gpu": "ghcr.io/acme/gpu:1"}
    assert cfg.source == path


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG)
    monkeypatch.setenv("FLYTE_TASK_PROJECT", "from-env")
    monkeypatch.setenv("FLYTE_ADMIN_COMMAND", "uctl get-token --audience x")
    cfg = Config.auto(str(path))
    assert cfg.task.project == "from-env" and cfg.task.domain == "staging"
    assert cfg.platform.command == ["uctl", "get-token", "--audience", "x"]


def test_the_search_order_finds_dot_flyte(tmp_path, monkeypatch):
    (tmp_path / ".flyte").mkdir()
    (tmp_path / ".flyte" / "config.yaml").write_text("task:\n  domain: prod\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FLYTE_TASK_DOMAIN", raising=False)
    assert flyte.config.get_config_file(None).location.endswith(".flyte/config.yaml")
    assert flyte.config.auto().task.domain == "prod"


def test_no_file_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("UCTL_CONFIG", "FLYTECTL_CONFIG", "FLYTE_TASK_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    cfg = flyte.config.auto()
    assert cfg == Config() and cfg.source is None


def test_bad_files_name_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        flyte.config.auto(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(ValueError, match="must hold a mapping"):
        flyte.config.auto(ConfigFile(str(scalar)))
    with pytest.raises(FileNotFoundError, match=r"missing\.yaml"):
        flyte.config.auto(tmp_path / "missing.yaml")


def test_set_if_exists():
    assert flyte.config.set_if_exists({}, "a", None) == {}
    assert flyte.config.set_if_exists({}, "a", 0) == {"a": 0}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_git_status_of_a_real_repository(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "main.py").write_text("print('hi')\n")
    _git(repo, "init", "-q")
    _git(repo, "remote", "add", "origin", "git@github.com:acme/pipelines.git")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    monkeypatch.chdir(repo)
    status = flyte.git.GitStatus.from_current_repo()
    assert status.is_valid and status.is_tree_clean and status.remote_url == "https://github.com/acme/pipelines"
    sha = status.commit_sha
    assert status.build_url(repo / "src" / "main.py", 1) == f"https://github.com/acme/pipelines/blob/{sha}/src/main.py#L1"
    (repo / "src" / "main.py").write_text("print('changed')\n")
    dirty = flyte.git.GitStatus.from_current_repo()
    assert not dirty.is_tree_clean
    assert dirty.build_url(repo / "src" / "main.py", 1).endswith("/src/main.py")  # no line: it may have moved
    assert dirty.build_url(tmp_path / "elsewhere.py", 1) == ""
    assert flyte.git.config_from_root() is None
    (repo / ".flyte").mkdir()
    (repo / ".flyte" / "config.yaml").write_text("task:\n  project: from-repo\n")
    monkeypatch.delenv("FLYTE_TASK_PROJECT", raising=False)
    assert flyte.git.config_from_root().task.project == "from-repo"


def test_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    status = flyte.git.GitStatus.from_current_repo()
    assert not status.is_valid and status.build_url(tmp_path / "x.py", 3) == ""
    assert flyte.git.GitStatus._normalize_url_to_https("https://gitlab.com/a/b.git") == "https://gitlab.com/a/b"
