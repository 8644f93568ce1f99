"""Every parameter of every public entry point is either honoured (a check below shows its
effect) or warned about when given (this runtime cannot use it, and says why). A parameter the
SDK adds later fails `test_every_parameter_is_covered` until it is one or the other."""

import inspect
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import flyte
import flyte._run as run_module
from flyte._run import INIT_UNUSED, RERUN_UNUSED, RUNCONTEXT_UNUSED, current_store

env = flyte.TaskEnvironment("entry")
COUNT = {"n": 0}


@env.task
async def observe() -> dict:
    c = flyte.ctx()
    return {
        "run_base_dir": c.run_base_dir, "raw_data_path": c.raw_data_path.path, "start": c.run_start_time,
        "project": c.action.project, "domain": c.action.domain, "org": c.action.org,
        "interactive": c.interactive_mode, "env": os.environ.get("ENTRY_VAR"),
        "custom": flyte.get_custom_context(),
    }


@env.task(cache="auto")
async def counted(x: int) -> int:
    COUNT["n"] += 1
    return x


@pytest.fixture(autouse=True)
def clean_process_state(flyte_home):
    """flyte.init and the log levels are process-wide: put them back; warn again in each test."""
    config = {k: getattr(run_module._config, k) for k in ("home", "initialized", "project", "domain", "org")}
    levels = {name: logging.getLogger(name).level for name in ("flyte", "flyte.user")}
    path = list(sys.path)
    run_module._warned.clear()
    yield
    for k, v in config.items():
        setattr(run_module._config, k, v)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    sys.path[:] = path


def _observed(**options):
    return flyte.with_runcontext(**options).run(observe).outputs()[0]


# -- with_runcontext -------------------------------------------------------------------------------

def _check_mode():
    assert _observed(mode="local")["env"] is None
    with pytest.raises(flyte.errors.InitializationError, match="needs a Flyte backend"):
        flyte.with_runcontext(mode="remote").run(observe)


def _check_cache_flag(flag):
    def check():
        COUNT["n"] = 0
        flyte.run(counted, 41)
        flyte.with_runcontext(**{flag: True}).run(counted, 41)
        assert COUNT["n"] == 2  # the second run did not take the cached value
    return check


def _check_level(param, logger):
    def check():
        flyte.with_runcontext(**{param: logging.DEBUG})
        assert logging.getLogger(logger).level == logging.DEBUG
    return check


RUNCONTEXT_HONOURED = {
    "mode": _check_mode,
    "notifications": None,  # delivered locally: checked in test_notify.py
    "name": lambda: flyte.with_runcontext(name="named-run").run(observe).name == "named-run" or pytest.fail(),
    "raw_data_path": lambda: _observed(raw_data_path="/tmp/raw-x")["raw_data_path"] == "/tmp/raw-x" or pytest.fail(),
    "run_base_dir": lambda: _observed(run_base_dir="/tmp/base-x")["run_base_dir"] == "/tmp/base-x" or pytest.fail(),
    "run_start_time": lambda: (_observed(run_start_time=datetime(2024, 5, 1, tzinfo=timezone.utc))["start"]
                               == datetime(2024, 5, 1, tzinfo=timezone.utc)) or pytest.fail(),
    "overwrite_cache": _check_cache_flag("overwrite_cache"),
    "disable_run_cache": _check_cache_flag("disable_run_cache"),
    "project": lambda: _observed(project="p1")["project"] == "p1" or pytest.fail(),
    "domain": lambda: _observed(domain="d1")["domain"] == "d1" or pytest.fail(),
    "env_vars": lambda: _observed(env_vars={"ENTRY_VAR": "v"})["env"] == "v" or pytest.fail(),
    "interactive_mode": lambda: _observed(interactive_mode=True)["interactive"] is True or pytest.fail(),
    "custom_context": lambda: _observed(custom_context={"k": "v"})["custom"] == {"k": "v"} or pytest.fail(),
    "log_level": _check_level("log_level", "flyte"),
    "user_log_level": _check_level("user_log_level", "flyte.user"),
    "labels": lambda: (flyte.remote.Run.get(flyte.with_runcontext(labels={"team": "ml"}).run(observe).name).labels
                       == {"team": "ml"}) or pytest.fail(),
    # every local run is tracked in the store, which is what tracked=True asks for
    "tracked": lambda: current_store().get_run(flyte.with_runcontext(tracked=True).run(observe).name) or pytest.fail(),
}

# Values to pass (other than the default) to see the warning of each unused parameter.
SAMPLE = {
    "service_account": "sa", "version": "v1", "copy_style": "all", "dry_run": True, "copy_bundle_to": Path("/tmp"),
    "labels": {"a": "b"}, "annotations": {"a": "b"}, "interruptible": True, "log_format": "json",
    "reset_root_logger": True, "queue": "q", "max_action_concurrency": 4, "notifications": ("n",),
    "cache_lookup_scope": "project-domain", "preserve_original_types": True, "debug": True, "tracked_strict": True,
    "headless": True, "insecure": True, "insecure_skip_verify": True, "ca_cert_file_path": "/ca", "auth_type": "Pkce2",
    "command": ["x"], "proxy_command": ["x"], "api_key": "k", "client_id": "c", "client_credentials_secret": "s",
    "auth_client_config": object(), "rpc_retries": 5, "http_proxy_url": "http://proxy", "disable_keyring": True,
    "scopes": ["s"], "storage": object(), "batch_size": 5, "image_builder": "remote", "images": {"a": "b"},
    "image_registry": "reg", "source_config_path": Path("/c.yaml"), "sync_local_sys_paths": False,
    "load_plugin_type_transformers": False, "local_tracked_strict": True, "endpoint": "dns:///x",
    "action_name": "a1", "allow_missing_source_outputs": True,
}


def _params(fn):
    return [p for p in inspect.signature(fn).parameters.values()
            if not p.name.startswith("_") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"]


def test_every_parameter_is_covered():
    for fn, honoured, unused in [
        (flyte.with_runcontext, RUNCONTEXT_HONOURED, RUNCONTEXT_UNUSED),
        (flyte.init, INIT_HONOURED, INIT_UNUSED),
        (flyte.rerun.__call__, RERUN_HONOURED, RERUN_UNUSED),
        (flyte.TaskTemplate.override, {p.name: None for p in _params(flyte.TaskTemplate.override)}, {}),
    ]:
        names = {p.name for p in _params(fn)}
        assert names == set(honoured) | set(unused), fn
        assert not set(honoured) & set(unused), fn


@pytest.mark.parametrize("param", sorted(p for p, check in RUNCONTEXT_HONOURED.items() if check is not None))
def test_runcontext_parameter_is_honoured(param):
    RUNCONTEXT_HONOURED[param]()


@pytest.mark.parametrize("param", sorted(RUNCONTEXT_UNUSED))
def test_runcontext_parameter_is_warned_about(param, caplog):
    with caplog.at_level(logging.WARNING, logger="flyte"):
        flyte.with_runcontext(**{param: SAMPLE[param]}).run(observe)
    assert f"flyte.with_runcontext({param}=...) has no effect" in caplog.text
    assert RUNCONTEXT_UNUSED[param] in caplog.text  # and says why


def test_default_values_are_not_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger="flyte"):
        flyte.with_runcontext(copy_style="loaded_modules", tracked_strict=False).run(observe)
        flyte.init()
    assert "has no effect" not in caplog.text


# -- flyte.init ------------------------------------------------------------------------------------

def _init_then(check, **kwargs):
    def run_check():
        flyte.init(**kwargs)
        check()
    return run_check


INIT_HONOURED = {
    "org": _init_then(lambda: _observed()["org"] == "o1" or pytest.fail(), org="o1"),
    "project": _init_then(lambda: (flyte.current_project(), _observed()["project"]) == ("p2", "p2") or pytest.fail(),
                          project="p2"),
    "domain": _init_then(lambda: (flyte.current_domain(), _observed()["domain"]) == ("d2", "d2") or pytest.fail(),
                         domain="d2"),
    "root_dir": _init_then(lambda: "/tmp/entry-root" in sys.path or pytest.fail(), root_dir=Path("/tmp/entry-root")),
    "log_level": _init_then(lambda: logging.getLogger("flyte").level == logging.DEBUG or pytest.fail(),
                            log_level=logging.DEBUG),
    "user_log_level": _init_then(lambda: logging.getLogger("flyte.user").level == logging.DEBUG or pytest.fail(),
                                 user_log_level=logging.DEBUG),
    "local_home": None,  # checked by test_local_home_chooses_the_store
    "executor": None,  # checked by tests/flyte/test_process_executor.py
    "max_workers": None,  # checked by tests/flyte/test_process_executor.py
    "storage": None,  # checked by test_storage.py::test_init_chooses_the_storage_and_rejects_other_objects
    "raw_data_path": None,  # checked by test_raw_data_remote.py (a run's files and blobs land there)
    # runs are always persisted and tracked here: what these ask for
    "local_persistence": _init_then(lambda: current_store().get_run(flyte.run(observe).name) or pytest.fail(),
                                    local_persistence=True),
    "local_tracked": _init_then(lambda: current_store().get_run(flyte.run(observe).name) or pytest.fail(),
                                local_tracked=True),
}


@pytest.mark.parametrize("param", sorted(p for p, check in INIT_HONOURED.items() if check is not None))
def test_init_parameter_is_honoured(param):
    INIT_HONOURED[param]()


def test_local_home_chooses_the_store(tmp_path):
    flyte.init(local_home=tmp_path / "elsewhere")
    run = flyte.run(observe)
    assert current_store().home == (tmp_path / "elsewhere").resolve()
    assert run.url.startswith(str((tmp_path / "elsewhere").resolve()))


@pytest.mark.parametrize("param", sorted(INIT_UNUSED))
def test_init_parameter_is_warned_about(param, caplog):
    with caplog.at_level(logging.WARNING, logger="flyte"):
        flyte.init(**{param: SAMPLE[param]})
    assert f"flyte.init({param}=...) has no effect" in caplog.text


@pytest.mark.parametrize("entry", ["init_from_config", "init_from_api_key"])
def test_other_inits_are_covered_too(entry, tmp_path, caplog):
    fn = getattr(flyte, entry)
    unused = getattr(run_module, f"{entry.upper()}_UNUSED")
    honoured = {"path_or_config", "root_dir", "log_level", "user_log_level", "org", "project", "domain", "storage"}
    names = {p.name for p in _params(fn)}
    assert names == (names & honoured) | set(unused)
    extra = {"path_or_config": str(tmp_path / "cfg.yaml")} if entry == "init_from_config" else {}
    if extra:
        Path(extra["path_or_config"]).write_text("admin: {}\n")
    with caplog.at_level(logging.WARNING, logger="flyte"):
        fn(project="p3", domain="d3", **extra, **{p: SAMPLE[p] for p in unused})
    assert flyte.current_project() == "p3" and flyte.current_domain() == "d3"
    for p in unused:
        assert f"flyte.{entry}({p}=...) has no effect" in caplog.text


# -- rerun and override ----------------------------------------------------------------------------

RERUN_HONOURED = {"run_name": None, "recover": None, "force_rerun_actions": None}  # tests/flyte/test_runs.py


@pytest.mark.parametrize("param", sorted(RERUN_UNUSED))
def test_rerun_parameter_is_warned_about(param, caplog):
    first = flyte.run(observe)
    with caplog.at_level(logging.WARNING, logger="flyte"):
        flyte.rerun(first.name, **{param: SAMPLE[param]})
    assert f"flyte.rerun({param}=...) has no effect" in caplog.text


OVERRIDES = {
    "short_name": "other", "resources": flyte.Resources(cpu=2), "cache": "auto", "retries": flyte.RetryStrategy(count=3), "timeout": 30,
    "reusable": flyte.ReusePolicy(replicas=2), "env_vars": {"A": "1"}, "secrets": "tok", "service_account": "sa",
    "max_inline_io_bytes": 123, "pod_template": "pt", "queue": "q", "interruptible": True, "entrypoint": True,
    "produces_artifacts": True, "links": (flyte.Link(),) if hasattr(flyte.Link, "__dataclass_fields__") else (),
    "plugin_config": {"x": 1},
}


@pytest.mark.parametrize("param", sorted(p.name for p in _params(flyte.TaskTemplate.override)))
def test_override_parameter_lands_on_the_copy(param):
    value = OVERRIDES[param]
    copy = observe.override(**{param: value})
    assert copy is not observe and getattr(copy, param) == value
    assert getattr(observe, param) != value or param == "links"
