"""Image constructors and builders with the SDK's defaults, URIs and checks."""

import pytest

import flyte
from flyte import Image
from flyte.errors import ImageBuildError


def test_default_image_is_the_released_flyte_image_and_extends_from_it():
    base = Image.from_debian_base(python_version=(3, 12))
    assert base.uri == f"ghcr.io/flyteorg/flyte:py3.12-v{flyte.__version__}" and base.name == "flyte"
    assert Image.from_debian_base(python_version=(3, 12), flyte_version="v2.0.7").uri == "ghcr.io/flyteorg/flyte:py3.12-v2.0.7"
    extended = base.with_pip_packages("numpy")
    assert extended.uri.startswith("flyte:") and extended.uri != base.uri and len(extended._layers) == 1
    named = Image.from_debian_base(python_version=(3, 12), registry="ghcr.io/me", name="team")
    assert named.uri.startswith("ghcr.io/me/team:")  # its own name: tagged by content, even without layers


def test_full_build_creates_the_flyte_user():
    full = Image.from_debian_base(install_flyte=False)
    assert full.uri.startswith("flyte:") and full.registry is None
    df = full.dockerfile()
    assert "id -u flyte" in df and "WORKDIR /home/flyte" in df


def test_layers_only_go_on_extendable_named_images():
    with pytest.raises(ValueError, match="non-extendable image"):
        Image.from_base("myregistry.com/app:v1").with_apt_packages("vim")
    clone = Image.from_base("myregistry.com/app:v1").clone(registry="other", name="app2", extendable=True)
    assert clone.with_apt_packages("vim").uri.startswith("other/app2:")
    assert Image.from_ref_name("gpu-image").name == "gpu-image"


def test_missing_sources_are_reported_when_the_image_is_validated(tmp_path):
    src = tmp_path / "code.py"
    img = Image.from_debian_base().with_source_file(src)  # not yet written: fine here
    with pytest.raises(ImageBuildError, match="does not exist"):
        img.validate()
    src.write_text("print(1)")
    img.validate()


def test_a_list_in_a_layer_is_refused_with_a_hint():
    from flyte._image import AptPackages, Commands, PipPackages

    with pytest.raises(TypeError, match=r"is a list.*Pass items as separate arguments"):
        AptPackages(packages=["vim", "curl"])
    with pytest.raises(TypeError, match="contains a list at index 0"):
        PipPackages(packages=(["numpy"],))
    with pytest.raises(TypeError, match="commands"):
        Commands(commands=["ls"])


def test_a_tasks_image_is_an_image_whatever_it_was_given_as():
    named = flyte.TaskEnvironment(name="img_named", image="registry.example/team/tool:1.2")
    default = flyte.TaskEnvironment(name="img_default")

    @named.task
    def a(x: int) -> int:
        return x

    @default.task
    def b(x: int) -> int:
        return x

    assert named.image == "registry.example/team/tool:1.2" and default.image == "auto"  # environments keep it
    assert isinstance(a.image, flyte.Image) and a.image.base_image == a.image.uri == "registry.example/team/tool:1.2"
    assert b.image == flyte.Image.from_debian_base()
    assert a.override(retries=1).image == a.image
    assert flyte.run(a, 2).outputs()[0] == 2


def test_from_task_takes_the_tasks_image_and_refuses_tasks_of_another_environment():
    from flyte.extras import ContainerTask

    one = ContainerTask(name="c1", image="debian:12", command=["true"])
    two = ContainerTask(name="c2", image="debian:12", command=["true"])
    env = flyte.TaskEnvironment.from_task("lib_env", one, two)
    assert env.image.uri == "debian:12" and set(env.tasks) == {"c1", "c2"} and one.parent_env() is env
    with pytest.raises(ValueError, match="multiple environments"):
        flyte.TaskEnvironment.from_task("again", one)
    with pytest.raises(ValueError, match="same image"):
        flyte.TaskEnvironment.from_task("mixed", ContainerTask(name="c3", image="alpine", command=["true"]),
                                        ContainerTask(name="c4", image="debian:12", command=["true"]))


def test_a_wheels_layer_installs_the_package_from_its_directory(tmp_path):
    from flyte._image import DIST_FOLDER, PythonWheels

    layer = PythonWheels(wheel_dir=tmp_path / "wheels", package_name="mylib")
    image = Image.from_debian_base().clone(addl_layer=layer, name="with-wheels")
    assert layer.wheel_dir_name == "wheels" and DIST_FOLDER.name == "dist"
    assert image.dockerfile().splitlines()[-2:] == [f"COPY {tmp_path / 'wheels'} /root/wheels",
                                                    "RUN uv pip install --find-links /root/wheels mylib"]
    other = Image.from_debian_base().clone(addl_layer=PythonWheels(wheel_dir=tmp_path / "w2", package_name="mylib"),
                                           name="with-wheels")
    assert other.uri != image.uri


def test_a_layers_secret_mount_given_by_name_is_kept_as_written_until_the_dockerfile():
    image = Image.from_debian_base(install_flyte=False).with_apt_packages("vim", secret_mounts=["/tmp/secret1"])
    assert image._layers[-1].secret_mounts == ("/tmp/secret1",)  # accepted, as the SDK accepts it
    with pytest.raises(ValueError, match="Invalid environment variable name"):
        image.dockerfile()  # a path is no secret name: refused where the build would refuse it
    named = Image.from_debian_base(install_flyte=False).with_apt_packages("vim", secret_mounts="gh-token")
    assert "--mount=type=secret,id=gh-token,env=GH_TOKEN" in named.dockerfile()
    with pytest.raises(TypeError, match=r"secret name or flyte\.Secret"):
        Image.from_debian_base().with_apt_packages("vim", secret_mounts=[3])  # type: ignore[list-item]


def test_a_uv_script_image_starts_from_plain_python_without_flyte(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("# /// script\n# dependencies = ['requests']\n# ///\nprint('hi')\n")
    img = Image.from_uv_script(script, name="job", registry="ghcr.io/me", python_version=(3, 12))
    assert img.base_image == "python:3.12-slim-bookworm"
    assert "ghcr.io/me/job:" in img.uri


def test_a_copy_layer_is_hashed_by_what_it_copies_and_the_dockerignore_by_its_contents(tmp_path):
    def project(where, files):
        src = tmp_path / where / "src"
        src.mkdir(parents=True)
        for name, text in files.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(text)
        return src

    ignore = tmp_path / "a" / ".dockerignore"
    a = project("a", {"main.py": "print(1)", "data.bin": "big", "logs/x.log": "l"})
    ignore.write_text("# build context\nsrc/data.bin\nsrc/logs\n")
    b = project("b", {"main.py": "print(1)"})
    base = Image.from_debian_base(registry="localhost", name="t").with_dockerignore(ignore)
    # the same copied content under the same name: the same image, wherever the sources are
    assert base.with_source_folder(a).uri == base.with_source_folder(b).uri
    (b / "main.py").write_text("print(2)")
    assert base.with_source_folder(a).uri != base.with_source_folder(b).uri  # content counts
    before, copied_before = base.uri, base.with_source_folder(a).uri  # the file is read when the URI is asked for
    ignore.write_text("src/data.bin\n")  # logs/ now copied too
    again = Image.from_debian_base(registry="localhost", name="t").with_dockerignore(ignore)
    assert again.uri != before
    assert again.with_source_folder(a).uri != copied_before
    ignore.write_text("src/*\n!src/main.py\n")  # a re-included file counts again
    only_main = Image.from_debian_base(registry="localhost", name="t").with_dockerignore(ignore)
    (b / "main.py").write_text("print(1)")
    assert only_main.with_source_folder(a).uri == only_main.with_source_folder(b).uri
