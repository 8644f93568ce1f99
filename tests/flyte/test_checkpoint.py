"""Task checkpoints carry state from one attempt to the next (retries and resumed runs), and the
SDK's backend-only entry points fail with a clear error."""

import time
from pathlib import Path

import pytest

import flyte
import flyte.errors

env = flyte.TaskEnvironment("checkpoints")
progress: list[tuple[int, int]] = []  # (attempt, first step this attempt ran)


@env.task(retries=2)
def train(steps: int, fail_at: int) -> int:
    """Saves the last finished step; the first attempt dies at `fail_at`."""
    cp = flyte.ctx().checkpoint
    restored = cp.load_sync()
    start = int(restored.read_text()) + 1 if restored else 0
    attempt = flyte.ctx().attempt_number
    progress.append((attempt, start))
    work = Path(cp.path) / "step.txt"
    for step in range(start, steps):
        if attempt == 0 and step == fail_at:
            raise RuntimeError(f"crashed at step {step}")
        work.write_text(str(step))
        cp.save_sync(work)
    return start


saves: list[str] = []


@env.task
async def train_dir(tag: str) -> list[str]:
    """Saves a directory; the same action in a later (resumed) run restores the whole tree."""
    cp = flyte.ctx().checkpoint
    restored = await cp.load()
    seen = sorted(p.name for p in restored.iterdir()) if restored else []
    tree = Path(cp.path) / "tree"
    tree.mkdir(exist_ok=True)
    (tree / f"{tag}-{len(saves)}.txt").write_text("x")
    saves.append(tag)
    await cp.save(tree)
    if len(saves) == 1:
        raise ValueError("stop after saving")
    return seen


@env.task
async def main_dir(tag: str) -> list[str]:
    return await train_dir(tag)


def test_a_retry_resumes_from_the_last_checkpoint(flyte_home):
    progress.clear()
    run = flyte.run(train, steps=5, fail_at=3)
    assert run.outputs()[0] == 3  # the second attempt started after step 2, the last one saved
    assert progress == [(0, 0), (1, 3)]


def test_a_resumed_run_restores_the_failed_runs_checkpoint(flyte_home):
    saves.clear()
    with pytest.raises(flyte.errors.RuntimeUserError, match="stop after saving"):
        flyte.with_runcontext(name="ckpt-run").run(main_dir, tag="t")
    run = flyte.with_runcontext(name="ckpt-run").run(main_dir, tag="t")
    # The child action of the resumed run has the same id, so it finds what the failed run saved.
    assert run.outputs()[0] == ["t-0.txt"]


def test_bytes_and_file_checkpoints_round_trip(tmp_path):
    dest = tmp_path / "a" / "_flytecheckpoints"
    flyte.Checkpoint(str(dest)).save_sync(b"\x00raw bytes")
    cp = flyte.Checkpoint(str(tmp_path / "b" / "_flytecheckpoints"), str(dest))  # its workspace lives as long as it
    loaded = cp.load_sync()
    assert loaded.name == "payload" and loaded.read_bytes() == b"\x00raw bytes"
    assert flyte.Checkpoint(str(tmp_path / "c"), None).load_sync() is None
    with pytest.raises(FileNotFoundError, match="does not exist"):
        flyte.Checkpoint(str(tmp_path / "d")).save_sync(tmp_path / "missing")
    assert not (tmp_path / "d").exists()  # nothing half-written


def test_a_checkpoint_in_an_object_store_round_trips_and_a_missing_one_is_the_stores_error(tmp_path):
    import fsspec

    fs = fsspec.filesystem("memory")
    try:
        state = tmp_path / "state"
        (state / "sub").mkdir(parents=True)
        (state / "step.txt").write_text("41")
        (state / "sub" / "w.bin").write_bytes(b"\x01\x02")
        first = flyte.Checkpoint("memory://ckpt-test/1/_flytecheckpoints")
        assert not first.prev_exists()
        first.save_sync(state)
        assert fs.exists("memory://ckpt-test/1/_flytecheckpoints")
        second = flyte.Checkpoint("memory://ckpt-test/2/_flytecheckpoints", "memory://ckpt-test/1/_flytecheckpoints")
        assert second.prev_exists()  # a source was given (the SDK's answer; no request to the store)
        restored = second.load_sync()
        assert (restored / "step.txt").read_text() == "41" and (restored / "sub" / "w.bin").read_bytes() == b"\x01\x02"
        second.save_sync(restored)  # saving the restored directory itself: nothing staged inside it
        third = flyte.Checkpoint("memory://ckpt-test/3/_flytecheckpoints", "memory://ckpt-test/2/_flytecheckpoints")
        assert sorted(p.name for p in third.load_sync().iterdir()) == ["step.txt", "sub"]
        gone = flyte.Checkpoint("memory://ckpt-test/4/_flytecheckpoints", "memory://ckpt-test/nothing-here")
        with pytest.raises(FileNotFoundError):
            gone.load_sync()
    finally:
        fs.rm("memory://ckpt-test", recursive=True)


def test_latest_checkpoint_picks_the_newest_match(tmp_path):
    assert flyte.latest_checkpoint(tmp_path) is None
    old = tmp_path / "run1" / "last.ckpt"
    new = tmp_path / "run2" / "nested" / "last.ckpt"
    for p in (old, new):
        p.parent.mkdir(parents=True)
        p.write_text("x")
        time.sleep(0.01)
    assert flyte.latest_checkpoint(tmp_path) == new
    assert flyte.latest_checkpoint(tmp_path, key=lambda p: -len(p.parts)) == old


def test_checkpoint_is_none_outside_a_run():
    assert not flyte.ctx()


@pytest.mark.parametrize("call", [
    lambda: flyte.deploy(env),
    lambda: flyte.serve(object()),
    lambda: flyte.init_in_cluster(),
    lambda: flyte.with_servecontext(),
])
def test_backend_only_entry_points_say_so(call):
    with pytest.raises(flyte.errors.InitializationError, match="needs a Flyte backend; this runtime runs tasks locally"):
        call()


def test_build_dry_run_names_the_image_and_a_real_build_explains():
    image = flyte.Image.from_debian_base().with_pip_packages("pandas")
    assert flyte.build(image, dry_run=True).uri == image.uri
    with pytest.raises(flyte.errors.ImageBuildError, match="does not build images"):
        flyte.build(image, force=True)
    assert flyte.build_images(env).image_lookup == {"checkpoints": flyte.Image.from_debian_base().uri}
