"""flyte-migrate against bad files, for real: permissions, bytes, links, FIFOs, files that change.

Every per-file failure must be a report line naming the path and the problem, the run must go
on (later folders migrated, the summary printed) and the exit status must say something failed.
Permission tests run the command as an unprivileged user (root ignores permission bits).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codemods import migrate_paths

from ._faultkit import WF, cli, shared_dir, temp_leftovers, tree_files, unprivileged

# Tests run the command in its own process, under a load they do not control: the suite-wide
# 120 s per test is too tight. Nothing here waits on time; the limit only ends a test that hangs.
pytestmark = pytest.mark.timeout(900)


def _migrated(path: Path) -> bool:
    text = path.read_text()
    return "@env.task\nasync def wf" in text and "flytekit" not in text


def _lines(stderr: str, kind: str) -> dict[str, str]:
    """`error: path: message` lines (or `note:`) as {path: message}."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith(f"{kind}: "):
            path, _, message = line[len(kind) + 2 :].partition(": ")
            out[path] = message
    return out


# -- permissions (as an unprivileged user) -------------------------------------------------------
def test_unwritable_directory_is_reported_and_later_folders_are_migrated() -> None:
    user = unprivileged()
    with shared_dir() as base:
        root = base / "repo"
        for folder in ("a_locked", "b", "c"):
            (root / folder).mkdir(parents=True)
            (root / folder / "wf.py").write_text(WF)
        user.chown(root, *root.rglob("*"))
        os.chmod(root / "a_locked", 0o555)  # cannot create the temporary file there
        result = cli("repo", "--no-progress", cwd=base, user=user)
        assert result.returncode == 1, result.stderr
        errors = _lines(result.stderr, "error")
        assert "directory" in errors["repo/a_locked/wf.py"] and "is not writable (permission denied)" in errors["repo/a_locked/wf.py"]
        assert (root / "a_locked" / "wf.py").read_text() == WF
        assert _migrated(root / "b" / "wf.py") and _migrated(root / "c" / "wf.py")
        assert "Migrated 2 of 3 files" in result.stderr and "Traceback" not in result.stderr
        assert not temp_leftovers(root)


def test_unreadable_file_and_directory_are_reported_and_the_rest_is_migrated() -> None:
    user = unprivileged()
    with shared_dir() as base:
        root = base / "repo"
        (root / "hidden").mkdir(parents=True)
        (root / "hidden" / "inside.py").write_text(WF)
        (root / "secret.py").write_text(WF)
        (root / "zz_last.py").write_text(WF)
        user.chown(root, *root.rglob("*"))
        os.chmod(root / "secret.py", 0o000)
        os.chmod(root / "hidden", 0o000)
        result = cli("repo", "--no-progress", cwd=base, user=user)
        assert result.returncode == 1, result.stderr
        errors = _lines(result.stderr, "error")
        assert errors["repo/secret.py"] == "cannot read: permission denied"
        assert errors["repo/hidden"].startswith("cannot list directory: permission denied")
        assert _migrated(root / "zz_last.py")
        os.chmod(root / "secret.py", 0o644)
        assert (root / "secret.py").read_text() == WF


def test_read_only_files_are_reported_not_rewritten() -> None:
    user = unprivileged()
    with shared_dir() as base:
        root = base / "repo"
        root.mkdir()
        for name in ("frozen.py", "theirs.py", "mine.py"):
            (root / name).write_text(WF)
        user.chown(root, root / "frozen.py", root / "mine.py")
        os.chmod(root / "frozen.py", 0o444)  # read-only by its owner's choice
        os.chmod(root / "theirs.py", 0o644)  # root's file in the user's directory: rename would work
        someone_else = user.uid is not None  # as root, theirs.py belongs to root, not to the user
        result = cli("repo", "--no-progress", cwd=base, user=user)
        assert result.returncode == 1, result.stderr
        errors = _lines(result.stderr, "error")
        assert errors["repo/frozen.py"].startswith("read-only file (mode 0444); not rewritten")
        assert (root / "frozen.py").read_text() == WF
        assert _migrated(root / "mine.py")
        if someone_else:
            assert errors["repo/theirs.py"].startswith("not writable by you (owner uid 0, mode 0644); not rewritten")
            assert (root / "theirs.py").read_text() == WF and os.stat(root / "theirs.py").st_uid == 0


def test_read_only_file_is_not_rewritten_even_by_root(tmp_path: Path) -> None:
    frozen = tmp_path / "frozen.py"
    frozen.write_text(WF)
    os.chmod(frozen, 0o444)
    inode = os.stat(frozen).st_ino
    result = cli(str(tmp_path), "--no-progress")
    assert result.returncode == 1
    assert f"error: {frozen}: read-only file (mode 0444); not rewritten" in result.stderr
    assert frozen.read_text() == WF and os.stat(frozen).st_ino == inode
    check = cli(str(tmp_path), "--check", "--no-progress")  # --check still says it would change
    assert check.returncode == 1 and f"would change: {frozen}" in check.stderr


# -- bytes ---------------------------------------------------------------------------------------
def test_undecodable_bytes_and_unknown_encodings_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "a_bad.py"
    bad.write_bytes(b"from flytekit import task\nx = '\xff\xfe'\n")
    unknown = tmp_path / "b_unknown.py"
    unknown.write_bytes(b"# -*- coding: klingon -*-\nfrom flytekit import task\n")
    latin = tmp_path / "c_latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n" + WF.replace("return x + 1", "return x + 1  # caf\xe9").encode("latin-1"))
    broken = tmp_path / "d_broken.py"
    broken.write_text("from flytekit import task\n\n@task\ndef f(:\n    pass\n")
    result = cli(str(tmp_path), "--no-progress")
    assert result.returncode == 1
    errors = _lines(result.stderr, "error")
    assert errors[str(bad)].startswith("not valid utf-8 (byte 0xff at line 2, column 6)")
    assert "unknown encoding" in errors[str(unknown)] and "klingon" in errors[str(unknown)]
    assert errors[str(broken)].startswith("cannot parse")
    assert bad.read_bytes() == b"from flytekit import task\nx = '\xff\xfe'\n"
    migrated = latin.read_bytes()  # a declared encoding is honoured and kept
    assert b"caf\xe9" in migrated and b"async def wf" in migrated
    assert "Migrated 1 of 4 files" in result.stderr


def test_fifo_named_like_python_is_left_alone_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "wf.py").write_text(WF)
    result = cli(str(tmp_path), "--no-progress", timeout=600)  # a blocking open would hang here
    assert result.returncode == 0, result.stderr
    assert f"note: {tmp_path / 'pipe.py'}: a FIFO, not a regular file; not read" in result.stderr
    assert _migrated(tmp_path / "wf.py")


# -- symlinks ------------------------------------------------------------------------------------
def test_symlink_and_its_target_are_migrated_once_at_the_target_and_stay_links(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    target = root / "pkg" / "real.py"
    target.write_text(WF)
    (root / "alias.py").symlink_to("pkg/real.py")
    (root / "pkg_alias").symlink_to("pkg", target_is_directory=True)
    for args in ([str(root)], [str(root / "alias.py"), str(target)]):
        target.write_text(WF)
        result = cli(*args, "--report", "json", "--no-progress")
        assert result.returncode == 0, result.stderr
        import json

        report = json.loads(result.stdout)
        assert [f["path"] for f in report["files"]] == [str(target)]  # once, under its real name
        assert report["summary"]["changed"] == 1
        assert (root / "alias.py").is_symlink() and os.readlink(root / "alias.py") == "pkg/real.py"
        assert (root / "pkg_alias").is_symlink()
        assert _migrated(target)


def test_links_leading_outside_the_given_paths_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "other-checkout"
    outside.mkdir()
    (outside / "shared.py").write_text(WF)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "wf.py").write_text(WF)
    (root / "shared.py").symlink_to(outside / "shared.py")
    (root / "vendored").symlink_to(outside, target_is_directory=True)
    result = cli(str(root), "--no-progress")
    assert result.returncode == 0, result.stderr  # a deliberate choice, not a failure
    notes = _lines(result.stderr, "note")
    assert notes[str(root / "shared.py")].startswith(f"symlink to a file outside the given paths ({outside / 'shared.py'}); not followed")
    assert notes[str(root / "vendored")].startswith(f"symlink to a directory outside the given paths ({outside}); not followed")
    assert (outside / "shared.py").read_text() == WF and _migrated(root / "wf.py")
    # named on the command line, a link is followed: the target is migrated, the link stays
    named = cli(str(root / "shared.py"), "--no-progress")
    assert named.returncode == 0, named.stderr
    assert _migrated(outside / "shared.py") and (root / "shared.py").is_symlink()


def test_symlink_loops_and_dangling_links_are_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "loop_a.py").symlink_to("loop_b.py")
    (tmp_path / "loop_b.py").symlink_to("loop_a.py")
    (tmp_path / "dir_loop").symlink_to("dir_loop", target_is_directory=True)
    (tmp_path / "gone.py").symlink_to("deleted.py")
    (tmp_path / "wf.py").write_text(WF)
    result = cli(str(tmp_path), "--no-progress")
    assert result.returncode == 1
    errors = _lines(result.stderr, "error")
    for name in ("loop_a.py", "loop_b.py", "dir_loop"):
        assert errors[str(tmp_path / name)].startswith("symlink loop"), errors
    assert errors[str(tmp_path / "gone.py")] == "broken symlink to 'deleted.py' (no such file or directory); not migrated"
    assert _migrated(tmp_path / "wf.py") and "Migrated 1 of 5 files" in result.stderr


def test_a_symlink_named_on_the_command_line_that_loops_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "me.py").symlink_to("me.py")
    result = cli(str(tmp_path / "me.py"))
    assert result.returncode == 2 and "symlink loop" in result.stderr


# -- files that change under the run -------------------------------------------------------------
def test_file_deleted_or_changed_during_the_run_is_reported_not_written(tmp_path: Path) -> None:
    names = ["a.py", "b.py", "c.py"]
    for n in names:
        (tmp_path / n).write_text(WF)
    seen: list[str] = []

    def meanwhile(result) -> None:
        # another program acts on the files not yet written, while the run is going on
        seen.append(result.path)
        if len(seen) == 1:
            rest = [n for n in names if str(tmp_path / n) != result.path]
            (tmp_path / rest[0]).unlink()
            (tmp_path / rest[1]).write_text(WF + "\n# edited by hand meanwhile\n")
            meanwhile.rest = rest  # type: ignore[attr-defined]

    report = migrate_paths([str(tmp_path)], jobs=2, on_file=meanwhile)
    gone, edited = meanwhile.rest  # type: ignore[attr-defined]
    errors = {f.path: f.error for f in report.errors}
    assert errors[str(tmp_path / gone)].startswith("vanished during the run")
    assert errors[str(tmp_path / edited)] == "changed on disk while being migrated; not written"
    assert not (tmp_path / gone).exists()
    assert (tmp_path / edited).read_text().endswith("# edited by hand meanwhile\n")
    assert len(report.changed) == 1 and not temp_leftovers(tmp_path)


def test_writes_keep_mode_owner_and_hard_link_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "wf.py"
    target.write_text(WF)
    os.chmod(target, 0o751)
    os.link(target, tmp_path / "twin.txt")
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    before = os.stat(target)
    result = cli(str(target), "--no-progress")
    assert result.returncode == 0, result.stderr
    after = os.stat(target)
    assert (after.st_mode & 0o7777, after.st_uid, after.st_gid) == (0o751, before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced by rename
    assert f"note: {target}: had 2 hard links: only this name holds the migrated code" in result.stderr
    assert (tmp_path / "twin.txt").read_text() == WF


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_unwritable_report_file_is_an_error_not_a_traceback(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "wf.py").write_text(WF)
    result = cli(str(tmp_path / "src"), "--report", fmt, "--report-file", str(tmp_path / "no" / "such" / "r.json"), "--no-progress")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: {tmp_path / 'no' / 'such' / 'r.json'}: cannot write the report: no such file or directory" in result.stderr
    assert _migrated(tmp_path / "src" / "wf.py")
    assert tree_files(tmp_path / "src")
