"""Record the parameter lists of the public `flyte` API, for the API-compatibility test.

Run it with the *real* SDK's interpreter (never in this project's environment):

    /path/to/flyte-2.12.1-venv/bin/python scripts/dump_sdk_signatures.py > tests/flyte/data/sdk_signatures.json
"""

import inspect
import json

import flyte
import flyte.io

TARGETS = {
    "TaskEnvironment": flyte.TaskEnvironment,
    "TaskEnvironment.task": flyte.TaskEnvironment.task,
    "TaskEnvironment.clone_with": flyte.TaskEnvironment.clone_with,
    "TaskTemplate.override": flyte.TaskTemplate.override,
    "map": flyte.map.__call__,
    "map.aio": flyte.map.aio,
    "with_runcontext": flyte.with_runcontext,
    "init_from_config": flyte.init_from_config,
    "group": flyte.group,
    "trace": flyte.trace,
    "custom_context": flyte.custom_context,
    "new_condition": flyte.new_condition,
    "Cache": flyte.Cache,
    "RetryStrategy": flyte.RetryStrategy,
    "Backoff": flyte.Backoff,
    "Timeout": flyte.Timeout,
    "Resources": flyte.Resources,
    "Secret": flyte.Secret,
    "ReusePolicy": flyte.ReusePolicy,
    "PodTemplate": flyte.PodTemplate,
    "Trigger": flyte.Trigger,
    "Cron": flyte.Cron,
    "FixedRate": flyte.FixedRate,
    "GPU": flyte.GPU,
    "Image.from_debian_base": flyte.Image.from_debian_base,
    "Image.from_base": flyte.Image.from_base,
    "Image.from_uv_script": flyte.Image.from_uv_script,
    "Image.from_dockerfile": flyte.Image.from_dockerfile,
    "Image.from_ref_name": flyte.Image.from_ref_name,
    "Image.clone": flyte.Image.clone,
    "Image.with_pip_packages": flyte.Image.with_pip_packages,
    "Image.with_apt_packages": flyte.Image.with_apt_packages,
    "Image.with_requirements": flyte.Image.with_requirements,
    "Image.with_uv_project": flyte.Image.with_uv_project,
    "Image.with_poetry_project": flyte.Image.with_poetry_project,
    "Image.with_source_file": flyte.Image.with_source_file,
    "Image.with_source_folder": flyte.Image.with_source_folder,
    "Image.with_env_vars": flyte.Image.with_env_vars,
    "Image.with_commands": flyte.Image.with_commands,
    "Image.with_workdir": flyte.Image.with_workdir,
    "Image.with_dockerignore": flyte.Image.with_dockerignore,
    "Image.with_code_bundle": flyte.Image.with_code_bundle,
    "File.from_local": flyte.io.File.from_local,
    "File.from_local_sync": flyte.io.File.from_local_sync,
    "File.open": flyte.io.File.open,
    "File.open_sync": flyte.io.File.open_sync,
    "File.download": flyte.io.File.download,
    "File.new_remote": flyte.io.File.new_remote,
    "File.from_existing_remote": flyte.io.File.from_existing_remote,
    "Dir.from_local": flyte.io.Dir.from_local,
    "Dir.walk": flyte.io.Dir.walk,
    "Dir.walk_sync": flyte.io.Dir.walk_sync,
    "Dir.download": flyte.io.Dir.download,
    "DataFrame.from_df": flyte.io.DataFrame.from_df,
    "DataFrame.open": flyte.io.DataFrame.open,
}


def describe(fn):
    sig = inspect.signature(fn)
    params = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        params.append({"name": p.name, "kind": p.kind.name, "default": default})
    return params


print(json.dumps({name: describe(fn) for name, fn in TARGETS.items()}, indent=1, sort_keys=True))
