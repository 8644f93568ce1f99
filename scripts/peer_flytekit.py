"""Peer suite: flytekit's own public-API unit tests, run against this project's flytekit shim.

    python scripts/peer_flytekit.py /path/to/flytekit/tests/flytekit/unit/core [--json out.json] [--md out.md]
    python scripts/peer_flytekit.py --suite types --mirror FLYTEKIT.git --reference-python FLYTEKIT_VENV/bin/python

`--suite core` (the default) runs the fixed public-API list of unit/core below; any other unit
directory (`types`, `extras`, ...) runs every test function, each classified statically by what it
needs (`classify_file`), and reports the public-API ones apart from the rest. `--mirror` takes the
tests from a bare flytekit git mirror at `--commit` (the pinned commit by default);
`--reference-python` runs the same selection on a real flytekit in the same run.

The tests are third-party code: they are copied to a temporary directory (never into this
repository) and each test FILE runs in its own pytest process, because flytekit's global
registries leak between modules. Only the public-API tests run: the static classification of
the reference notes (a test whose source names none of flytekit's internals and that takes no
fixture but tmp_path/tmpdir/capsys); the list is kept below, so results stay comparable
between flytekit checkouts.

By default the interpreter running this script is used, with this repository's root first on
PYTHONPATH so the working tree's `flytekit` wins; `--python` with `--no-shim` runs the same
selection against a real flytekit installation, to check the harness itself.

Test modules need some third-party packages of their own at import time (mock, mashumaro,
dataclasses-json, protobuf, flyteidl, pytest-asyncio, hypothesis, ...); a module that cannot
be collected is reported as a collection error with the missing import named.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The flytekit commit every selection below was made at (the mirror's tests are taken from it).
PINNED_COMMIT = "e96c7203089a1edc5709c92a606a2d4abb481c0e"

# Public-API test functions of tests/flytekit/unit/core (flytekit at e96c7203), by file.
PUBLIC_TESTS: dict[str, tuple[str, ...]] = {
    "test_type_hints.py": (
        "test_transformer_override", "test_flyte_file_in_dataclass", "test_flyte_directory_in_dataclass",
        "test_cant_use_normal_tuples_as_input", "test_cant_use_normal_tuples_as_output", "test_wf1_df",
        "test_wf_tuple_fails", "test_wf_typed_schema", "test_wf_schema_to_df", "test_dict_wf_with_conversion",
        "test_wf_with_empty_dict", "test_wf_with_catching_no_return", "test_wf_custom_types", "test_arbit_class",
        "test_dataclass_more", "test_enum_in_dataclass", "test_flyte_schema_dataclass", "test_nested_dict",
        "test_nested_dict2", "test_secrets", "test_workflow_named_tuple", "test_conditional_asymmetric_return",
        "test_failure_node", "test_optional_type", "test_optional_type_implicit_wrapping",
        "test_union_type_implicit_wrapping", "test_workflow_containing_multiple_annotated_tasks",
        "test_list_containing_multiple_annotated_pandas_dataframes", "test_ref_as_key_name",
        "test_promise_not_allowed_in_overrides", "test_promise_illegal_resources",
        "test_promise_illegal_resource_combination", "test_promise_illegal_retries",
        "test_pickle_untyped_input_wf_and_task", "test_pickle_untyped_wf_and_task",
        "test_wf_with_pickle_untyped_and_regular_tasks", "test_pickle_untyped_task_with_specified_input",
    ),
    "test_type_engine.py": (
        "test_convert_marshmallow_json_schema_to_python_class",
        "test_convert_mashumaro_json_schema_to_python_class", "test_union_transformer",
        "test_pass_annotated_to_downstream_tasks", "test_file_ext_with_flyte_file_existing_file",
        "test_file_ext_convert_static_method", "test_file_ext_with_flyte_file_new_file",
        "test_file_ext_with_flyte_file_wrong_type", "test_DataclassTransformer_with_discriminated_subtypes",
        "test_DataclassTransformer_with_sub_dataclasses", "test_ListTransformer_get_sub_type",
        "test_ListTransformer_get_sub_type_as_none", "test_dataclass_none_output_input_deserialization",
        "test_task_with_no_inputs_execution",
    ),
    "test_artifacts.py": (
        "test_args_getting", "test_basic_option_hardcoded_tp", "test_bound_ness", "test_bound_ness_time",
        "test_query_basic_query_bindings", "test_partition_none", "test_check_input_binding",
        "test_dynamic_input_binding", "test_tp_math", "test_tp_printing", "test_partition_printing", "test_lims",
        "test_cloudpickle",
    ),
    "test_generice_idl_type_engine.py": (
        "test_convert_marshmallow_json_schema_to_python_class",
        "test_convert_mashumaro_json_schema_to_python_class", "test_union_transformer",
        "test_pass_annotated_to_downstream_tasks", "test_file_ext_with_flyte_file_existing_file",
        "test_file_ext_convert_static_method", "test_file_ext_with_flyte_file_new_file",
        "test_file_ext_with_flyte_file_wrong_type", "test_DataclassTransformer_with_discriminated_subtypes",
        "test_DataclassTransformer_with_sub_dataclasses", "test_ListTransformer_get_sub_type",
        "test_ListTransformer_get_sub_type_as_none", "test_dataclass_none_output_input_deserialization",
    ),
    "test_local_cache.py": (
        "test_to_confirm_that_cache_keys_include_function_name", "test_single_task_workflow",
        "test_shared_tasks_in_two_separate_workflows", "test_wf_custom_types", "test_wf_schema_to_df",
        "test_dict_wf_with_constants", "test_set_integer_literal_hash_is_cached",
        "test_pass_annotated_to_downstream_tasks", "test_pd_dataframe_hash", "test_list_of_pd_dataframe_hash",
        "test_checkpoint_cached_task", "test_cache_ignore_input_vars",
        "test_set_cache_ignore_input_vars_without_set_cache",
    ),
    "test_dataclass.py": (
        "test_dataclass", "test_dataclass_assert_works_for_annotated", "test_pure_dataclasses_with_python_types",
        "test_dataclasses_json_mixin_with_python_types", "test_mashumaro_dataclasses_json_mixin_with_python_types",
        "test_ret_unions", "test_get_literal_type_data_class_json_fail_but_mashumaro_works",
        "test_numpy_import_issue_from_flyte_schema_in_dataclass", "test_dataclass_union_primitive_types_and_enum",
        "test_dataclass_with_json_mixin_union_primitive_types_and_enum", "test_frozen_dataclass",
        "test_pure_frozen_dataclasses_with_python_types",
    ),
    "test_workflows.py": (
        "test_metadata_values", "test_default_metadata_values", "test_default_values", "test_list_output_wf",
        "test_sub_wf_single_named_tuple", "test_sub_wf_multi_named_tuple", "test_unexpected_outputs",
        "test_missing_return_value", "test_custom_wrapper", "test_wf_no_output", "test_structured_dataset_wf",
    ),
    "test_conditions.py": (
        "test_condition_else_fail", "test_condition_else_int", "test_condition_sub_workflows",
        "test_condition_unary_bool", "test_condition_is_none", "test_subworkflow_condition",
        "test_no_output_condition", "test_subworkflow_condition_named_tuple",
        "test_subworkflow_condition_single_named_tuple", "test_echo_in_condition",
    ),
    "test_generic_idl_dataclass.py": (
        "test_dataclass", "test_dataclass_assert_works_for_annotated", "test_pure_dataclasses_with_python_types",
        "test_dataclasses_json_mixin_with_python_types", "test_mashumaro_dataclasses_json_mixin_with_python_types",
        "test_get_literal_type_data_class_json_fail_but_mashumaro_works",
        "test_numpy_import_issue_from_flyte_schema_in_dataclass", "test_frozen_dataclass",
        "test_pure_frozen_dataclasses_with_python_types",
    ),
    "test_serialization.py": (
        "test_named_outputs_nested", "test_named_outputs_nested_fail", "test_default_args_task_no_type_hint",
        "test_positional_args_workflow_extra_args_or_kwargs", "test_positional_args_chained_tasks",
        "test_positional_args_task_inputs_from_workflow_args", "test_unexpected_kwargs_task_raises_error",
        "test_too_many_positional_args_task_raises_error",
        "test_both_positional_and_keyword_args_task_raises_error",
    ),
    "test_checkpoint.py": (
        "test_sync_checkpoint_write", "test_sync_checkpoint_save_file", "test_sync_checkpoint_save_filepath",
        "test_sync_checkpoint_restore", "test_sync_checkpoint_restore_corrupt",
        "test_sync_checkpoint_read_empty_dir", "test_sync_checkpoint_read_multiple_files", "test_checkpoint_task",
    ),
    "test_imperative.py": (
        "test_imperative_list_bound", "test_imperative_map_bound", "test_imperative_with_list_io",
        "test_imperative_list_bound_output", "test_imperative_tuples", "test_call_normal",
        "test_imperative_call_from_normal", "test_codecov",
    ),
    "test_launch_plan.py": (
        "test_lp_documentation", "test_lp", "test_lp_each_parameter", "test_lp_all_parameters",
        "test_lp_default_paramaters_work_when_called_from_another_workflow", "test_lp_with_docstring",
        "test_lp_with_wf_with_default_options", "test_lp_with_concurrency",
    ),
    "test_context_manager.py": (
        "test_secrets_manager_default", "test_secrets_manager_get_envvar", "test_secrets_manager_get_file",
        "test_secrets_manager_file", "test_secrets_manager_bad_env", "test_secrets_manager_env", "test_exec_params",
    ),
    "test_dynamic.py": (
        "test_dynamic_local", "test_nested_dynamic_local", "test_dynamic_local_use",
        "test_create_node_dynamic_local", "test_dynamic_return_dict", "test_nested_dynamic_locals", "test_dyn_pd",
    ),
    "test_flyte_file.py": (
        "test_file_type_in_workflow_with_bad_format", "test_returning_folder_instead_of_file", "test_bad_return",
        "test_flyte_file_in_dyn", "test_flyte_file_name_with_special_chars", "test_headers", "test_new_remote_file",
    ),
    "test_interface.py": (
        "test_named_tuples", "test_unnamed_typing_tuple", "test_regular_tuple", "test_single_output_new_decorator",
        "test_sig_files", "test_file_types", "test_doc_string",
    ),
    "test_local_raw_container.py": (
        "test_flytefile_wf", "test_flytefile_wrong_syntax", "test_flytedir_wf", "test_flytedir_wrong_syntax",
        "test_primitive_types_wf", "test_input_output_dir_manipulation", "test_container_task_resources_error",
    ),
    "test_resources.py": (
        "test_convert_no_requests_no_limits", "test_incorrect_type_resources", "test_resources_serialization",
        "test_resources_deserialization", "test_resources_round_trip",
        "test_pod_spec_from_resources_requests_limits_set", "test_pod_spec_from_resources_requests_set",
    ),
    "test_schedule.py": (
        "test_cron_validation", "test_fixed_rate_bad_duration", "test_fixed_rate_negative_duration",
        "test_cron_schedule_offset_validation_invalid", "test_both_cron_expression_and_cron_schedule_schedule",
        "test_cron_expression_and_cron_schedule_offset", "test_schedule_with_lp",
    ),
    "test_array_node_map_task.py": (
        "test_map_task_with_pickle", "test_bound_inputs_collision", "test_run_all_sub_nodes_default",
        "test_run_all_sub_nodes_set", "test_supported_node_type", "test_unsupported_node_types",
    ),
    "test_nested_structs_in_pydantic.py": (
        "test_list_of_list_of_int_schema", "test_list_of_dict_schema", "test_dict_of_dict_schema",
        "test_list_of_optional_model_no_keyerror", "test_list_of_optional_primitive",
        "test_null_type_returns_nonetype",
    ),
    "test_map_task.py": (
        "test_map_docs", "test_map_task_types", "test_map_tasks_only", "test_map_task_metadata",
        "test_map_task_parameter_order",
    ),
    "test_node_creation.py": (
        "test_more_normal_task", "test_reserved_keyword", "test_runs_before", "test_promise_chaining",
        "test_timeout_override_invalid_value",
    ),
    "test_python_function_task.py": (
        "test_isnested", "test_istestfunction", "test_metadata", "test_node_dependency_hints_are_not_allowed",
        "test_k8s_metadata",
    ),
    "test_checkpointer.py": (
        "test_sync_checkpoint_file", "test_sync_checkpoint_reader", "test_sync_checkpoint_folder",
        "test_sync_checkpoint_previous",
    ),
    "test_composition.py": (
        "test_wf1_with_subwf", "test_single_named_output_subwf", "test_wf1_with_lp_node", "test_optional_input",
    ),
    "test_are_types_castable.py": (
        "test_simple", "test_non_nullable", "test_union",
    ),
    "test_array_node.py": (
        "test_map_task_wrapper", "test_run_all_sub_nodes_default", "test_run_all_sub_nodes_set",
    ),
    "test_task.py": (
        "test_task_resources", "test_task_resources_error", "test_task_extra_arguments_error",
    ),
    "test_async_more_semantics.py": (
        "test_nested_all_local", "test_nested_level_1_local",
    ),
    "test_custom_type_in_nested_pydantic.py": (
        "test_match_returns_coordinate_for_matching_schema", "test_match_returns_none_for_unmatched_schema",
    ),
    "test_environment.py": (
        "test_show_environment", "test_inherit",
    ),
    "test_flyte_typing.py": (
        "test_filepath_equality", "test_fdff",
    ),
    "test_promise.py": (
        "test_optional_task_kwargs", "test_promise_with_attr_path",
    ),
    "test_references.py": (
        "test_ref_docs", "test_lp_from_ref_wf",
    ),
    "test_type_engine_binary_idl.py": (
        "test_all_types_with_optional_and_none_in_dataclass_wf", "test_union_in_dataclass_wf",
    ),
    "test_async.py": (
        "test_easy_1",
    ),
    "test_async_with_dynamic.py": (
        "test_nested_level_1_local",
    ),
    "test_async_with_wflp.py": (
        "test_nested_level_1_local",
    ),
    "test_container_task.py": (
        "test_local_execution",
    ),
    "test_dataclass_dynamic.py": (
        "test_simple_object_yee",
    ),
    "test_docstring.py": (
        "test_get_variable_descriptions",
    ),
    "test_enum_type.py": (
        "test_dynamic_local",
    ),
    "test_imperative_with_patching.py": (
        "test_base_case",
    ),
    "test_literals_resolver.py": (
        "test_get_python_native",
    ),
    "test_notifications.py": (
        "test_with_launch_plan",
    ),
    "test_protobuf.py": (
        "test_workflow",
    ),
    "test_realworld_examples.py": (
        "test_diabetes",
    ),
    "test_unions.py": (
        "test_ambiguous_union_transformer_to_literal",
    ),
    "test_utils.py": (
        "test_str_2_bool",
    ),
    "test_worker_queue.py": (
        "test_work_item_hashing_equality",
    ),
}


# Tests that need a docker daemon (they fail on real flytekit without one, too).
NEEDS_DOCKER = {
    "test_container_task.py::test_local_execution",
    "test_local_raw_container.py::test_flytefile_wf",
    "test_local_raw_container.py::test_flytefile_wrong_syntax",
    "test_local_raw_container.py::test_flytedir_wf",
    "test_local_raw_container.py::test_flytedir_wrong_syntax",
    "test_local_raw_container.py::test_primitive_types_wf",
    "test_local_raw_container.py::test_input_output_dir_manipulation",
}

# Tests that assert a flytekit LOCAL-mode quirk the shim deliberately does not reproduce: the
# shim runs a workflow as a Flyte backend would. Each maps to the reason.
DIFFERS_BY_DESIGN: dict[str, str] = {
    "test_conditions.py::test_condition_else_int": (
        "an int workflow input bound to a float task input is a compile-time type error, as in Flyte's compiler; "
        "flytekit's local mode does not check promise types and lets the int through"
    ),
    "test_local_cache.py::test_pass_annotated_to_downstream_tasks": (
        "two identical calls of a cached task are independent nodes, so they run concurrently and both may miss "
        "the cache, as on a backend without cache_serialize; flytekit's local mode runs them one after the other"
    ),
    "test_map_task.py::test_map_tasks_only": (
        "mapping a launch plan over a workflow's list input compiles and runs, as on a backend; flytekit's local "
        "mode rejects the promised list with ValueError (a local-mode bug)"
    ),
}


# ---------------------------------------------------------------------------------------------
# Static classification for the other unit-test directories (`--suite types`, `--suite extras`).
# Each test function is "public" unless its source (with the module-level helpers, fixtures and
# imports it uses) shows that it needs one of the things below; the first matching kind names
# the reason, so each test is counted once. Kinds are ordered from the most external need.

NEEDS_KINDS = ("docker", "network", "backend", "protobuf models", "flytekit internals", "plugin library")

_TEXT_MARKERS: tuple[tuple[str, str], ...] = (
    ("docker", r"\bdocker\b|ContainerTask\("),
    ("network", r"\b(?:s3|gs|gcs|abfs|az|https?|bq|snowflake)://|\bbigquery\b|google\.cloud|\bboto3?\b|requests\.(?:get|post)"),
    ("backend", r"FlyteRemote|SynchronousFlyteClient|for_sandbox|flytekit\.clients|\bremote\.|PlatformConfig|Config\.auto"),
    ("protobuf models", r"flytekit\.models|flyteidl|_pb2\b|to_flyte_idl|from_flyte_idl|get_serializable|SerializationSettings|"
                        r"ImageConfig|\b(?:Literal|Scalar|Primitive|LiteralType|LiteralMap|LiteralCollection|Blob|BlobMetadata|"
                        r"BlobType|SimpleType|SchemaType|StructuredDatasetMetadata|StructuredDatasetType|Binary|Union|UnionType|"
                        r"Void|TypeStructure)\(|\b_?(?:literals?_models|type_models|literals|_literals_models)\."),
    ("flytekit internals", r"FlyteContextManager|\bFlyteContext\b|context_manager|ExecutionState|\bTypeEngine\b|TypeTransformer\b|"
                           r"\w+Transformer\(\)|\bmock\b|\bpatch\(|monkeypatch|mocker|\.python_interface|\.interface\b|"
                           r"\.compile\(|\bPromise\b|basic_dfs|data_persistence|FileAccessProvider|lazy_module|is_imported|"
                           r"\.(?:_[a-z]\w*)\b|current_context\(\)\.(?:file_access|raw_output_prefix)|user_space_params"),
)

# flytekit modules whose names a user imports; a name imported from any other flytekit module is
# an internal unless the public namespaces export it too (then only the spelling differs).
_PUBLIC_MODULES = re.compile(
    r"^flytekit(?:\.types(?:\.(?:file|directory|structured|schema|iterator|pickle|numpy|error))?"
    r"|\.extras\.(?:tasks\.shell|accelerators|pydantic_transformer|sqlite3\.task|webhook)|\.extend|\.configuration)?$")
_PUBLIC_NAMES = {
    "task", "workflow", "dynamic", "map_task", "kwtypes", "FlyteFile", "FlyteDirectory", "StructuredDataset",
    "StructuredDatasetEncoder", "StructuredDatasetDecoder", "StructuredDatasetTransformerEngine", "FlyteSchema",
    "SchemaFormat", "FlytePickle", "FlyteError", "JSON", "HashMethod", "Resources", "ImperativeWorkflow",
    "ShellTask", "RawShellTask", "OutputLocation", "get_raw_shell_task", "SQLite3Task", "SQLite3Config",
    "current_context", "Secret", "conditional", "LaunchPlan", "reference_task", "reference_workflow",
}
_ALLOWED_FIXTURES = {"tmp_path", "tmpdir", "capsys", "capfd", "capsysbinary", "capfdbinary", "tmp_path_factory", "request",
                     "caplog"}
# libraries of flytekit's optional plugins that a plain install (and this machine) has not got
_PLUGIN_LIBS = {"torch", "tensorflow", "polars", "google", "snowflake", "onnx", "keras", "xgboost"}


def _imports_of(nodes: list) -> dict[str, str]:
    """Imported local name -> 'module:name' for the import statements among `nodes` (walked)."""
    import ast

    found: dict[str, str] = {}
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and sub.module:
                for a in sub.names:
                    found[a.asname or a.name] = f"{sub.module}:{a.name}"
            elif isinstance(sub, ast.Import):
                for a in sub.names:
                    found[(a.asname or a.name).split(".")[0]] = f"{a.name}:"
    return found


def _import_reason(ref: str) -> tuple[str, str] | None:
    module, _, name = ref.partition(":")
    top = module.split(".")[0]
    if top in _PLUGIN_LIBS:
        return "plugin library", module
    if top == "flyteidl" or module.startswith("flytekit.models"):
        return "protobuf models", f"imports {module}"
    if module.startswith(("flytekit.remote", "flytekit.clients")):
        return "backend", f"imports {module}"
    if top == "flytekit" and not _PUBLIC_MODULES.match(module) and name not in _PUBLIC_NAMES:
        return "flytekit internals", f"imports {name or module} from {module}"
    return None


def classify_file(source: str) -> dict[str, tuple[str, str]]:
    """Test function name -> (kind, reason); kind "public" when nothing marks it."""
    import ast

    tree = ast.parse(source)
    top_imports = _imports_of([n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))])
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    assigns = {t.id: n for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    out: dict[str, tuple[str, str]] = {}
    for name, fn in defs.items():
        if not name.startswith("test_") or isinstance(fn, ast.ClassDef):
            continue
        params = {a.arg for a in fn.args.args}
        for dec in fn.decorator_list:  # parametrized names are not fixtures
            if isinstance(dec, ast.Call) and dec.args and isinstance(dec.args[0], ast.Constant):
                params -= {p.strip() for p in str(dec.args[0].value).split(",")}
        # the test, plus every module-level helper/fixture/constant it reaches, transitively
        seen, todo, used_imports = {name}, [fn], set()
        fixtures = params - _ALLOWED_FIXTURES
        todo += [defs[f] for f in fixtures if f in defs]
        seen |= {f for f in fixtures if f in defs}
        chunks: list = []
        while todo:
            node = todo.pop()
            chunks.append(node)
            for sub in ast.walk(node):
                ident = sub.id if isinstance(sub, ast.Name) else None
                if ident is None:
                    continue
                if ident in top_imports:
                    used_imports.add(ident)
                for table in (defs, assigns):
                    if ident in table and ident not in seen:
                        seen.add(ident)
                        todo.append(table[ident])
        text = "\n".join(ast.get_source_segment(source, c) or "" for c in chunks)
        verdict: tuple[str, str] | None = None
        missing = sorted(f for f in fixtures if f not in defs)
        candidates: list[tuple[str, str]] = []
        for ident in sorted(used_imports):
            r = _import_reason(top_imports[ident])
            if r:
                candidates.append(r)
        for ref in _imports_of(chunks).values():
            r = _import_reason(ref)
            if r:
                candidates.append(r)
        for kind, pattern in _TEXT_MARKERS:
            m = re.search(pattern, text)
            if m:
                candidates.append((kind, f"uses {m.group(0).strip()}"))
        if missing:
            candidates.append(("flytekit internals", f"takes flytekit's conftest fixture {', '.join(missing)}"))
        if candidates:
            verdict = min(candidates, key=lambda c: NEEDS_KINDS.index(c[0]))
        out[name] = verdict or ("public", "")
    return out


# The same for the other suites, keyed "<suite>/<file>::<test>".
SUITE_DIFFERS_BY_DESIGN: dict[str, str] = {
    f"extras/pydantic_transformer/{f}::{t}": (
        "a pydantic model inside a dataclass (or pydantic dataclass) crosses tasks on the shim; flytekit 1.16 "
        "rejects it ('is not serializable'), and the test itself says it should be supported (flyteorg/flyte#5925)"
    )
    for f in ("test_pydantic_basemodel_in_dataclass.py", "test_generice_idl_pydantic_basemodel_in_dataclass.py")
    for t in ("test_pydantic_basemodel_in_dataclass", "test_pydantic_basemodel_in_pydantic_dataclass")
}

PYTEST_INI = """[pytest]
asyncio_default_fixture_loop_scope = function
markers =
    sandbox_test: fake integration tests
    serial: tests to avoid using with pytest-xdist
    hypothesis: tests that use the hypothesis library
    lftransfers: large file transfers
filterwarnings =
    ignore::DeprecationWarning
"""


# flytekit imports pandas (when installed) as a side effect of `import flytekit`, and its tests
# use `"pandas" in sys.modules` to mean "pandas is installed"; the shim imports pandas only when
# a dataframe is used, so the staged tree imports it up front.
CONFTEST = """try:
    import pandas  # noqa: F401
except ImportError:
    pass
"""


def stage(core: Path, dest: Path) -> Path:
    """Copy the test tree so that `tests.flytekit.unit.core` imports resolve inside `dest` (and
    nothing there shadows the flytekit under test)."""
    target = dest / "tests" / "flytekit" / "unit" / "core"
    shutil.copytree(core, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for pkg in (dest / "tests", dest / "tests" / "flytekit", dest / "tests" / "flytekit" / "unit"):
        (pkg / "__init__.py").touch()
    # Some core tests import helpers from the parent directory (tests.flytekit.unit.test_translator).
    for helper in core.parent.glob("*.py"):
        if helper.name not in ("__init__.py", "conftest.py"):
            shutil.copy(helper, dest / "tests" / "flytekit" / "unit" / helper.name)
    (dest / "pytest.ini").write_text(PYTEST_INI)
    (dest / "conftest.py").write_text(CONFTEST)
    return target


def run_file(python: str, root: Path, rel: str, names: tuple[str, ...], shim: bool, timeout: int,
             suite: str = "core") -> dict:
    """Run the selected tests of one file in a fresh pytest process; per-test outcomes."""
    scratch = Path(tempfile.mkdtemp(prefix="peer-home-"))
    env = dict(os.environ)
    env.update({
        "HOME": str(scratch), "FLYTE_HOME": str(scratch / "flyte"), "FLYTE_SDK_RICH_TRACEBACKS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    if shim:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    xml = scratch / "junit.xml"
    test_path = f"tests/flytekit/unit/{suite}/{rel}"
    cmd = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--timeout", str(timeout), f"--junitxml={xml}",
           "-o", "junit_family=xunit1", *[f"{test_path}::{n}" for n in names]]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout * 4)
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        out = f"TIMEOUT after {e.timeout}s"
    seconds = time.monotonic() - started
    outcomes: dict[str, dict] = {}
    collection = ""
    if xml.exists():
        for case in ET.parse(xml).getroot().iter("testcase"):
            name = case.get("name", "").split("[")[0]
            status, message = "passed", ""
            for tag in ("failure", "error", "skipped"):
                el = case.find(tag)
                if el is not None:
                    status = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                    message = _first_error_line(el.text or "") or (el.get("message") or "").strip()[:300]
                    break
            if name not in names:  # a module that failed to import
                collection = message
                continue
            prev = outcomes.get(name)
            if prev is None or prev["status"] == "passed":  # a parametrized test passes only if all do
                outcomes[name] = {"status": status, "message": message}
    shutil.rmtree(scratch, ignore_errors=True)
    if not outcomes and not collection:
        collection = _first_error_line(out) or (out.strip().splitlines()[-1] if out.strip() else "no output")
    for n in names:
        if n not in outcomes:
            outcomes[n] = {"status": "error", "message": collection or "not run (deselected or not found)"}
    return {"file": rel, "seconds": round(seconds, 1), "tests": outcomes}


def _first_error_line(text: str) -> str:
    """The exception line of a pytest failure report (the last `E   ...Error: ...` line)."""
    found = re.findall(r"^E\s+(\S.*)$", text, re.M)
    for line in reversed(found):
        if re.match(r"[\w.]+(Error|Exception|Exit|Failed|Interrupt)\b", line) or ":" in line:
            return line[:300]
    return found[-1][:300] if found else ""


def classify(rel: str, name: str, status: str) -> str:
    test_id = f"{rel}::{name}"
    if status == "passed":
        return "pass"
    if test_id in NEEDS_DOCKER:
        return "needs docker"
    if test_id in DIFFERS_BY_DESIGN:
        return "differs by design"
    return "skip" if status == "skipped" else "fail"


def markdown(results: list[dict]) -> str:
    lines = ["| file | public tests | pass | fail | differs by design | needs docker | failing tests |",
             "|---|---|---|---|---|---|---|"]
    totals = {"n": 0, "pass": 0, "fail": 0, "differs by design": 0, "needs docker": 0, "skip": 0}
    for r in results:
        counts = {"pass": 0, "fail": 0, "differs by design": 0, "needs docker": 0, "skip": 0}
        failing = []
        for name, t in r["tests"].items():
            c = classify(r["file"], name, t["status"])
            counts[c] += 1
            if c == "fail":
                failing.append(name)
        n = len(r["tests"])
        totals["n"] += n
        for k, v in counts.items():
            totals[k] += v
        lines.append(f"| `{r['file']}` | {n} | {counts['pass']} | {counts['fail'] + counts['skip']} | "
                     f"{counts['differs by design']} | {counts['needs docker']} | {', '.join(failing)} |")
    lines.append(f"| **total** | **{totals['n']}** | **{totals['pass']}** | **{totals['fail'] + totals['skip']}** | "
                 f"**{totals['differs by design']}** | **{totals['needs docker']}** | |")
    if DIFFERS_BY_DESIGN:
        lines += ["", "Differs by design:", ""]
        lines += [f"- `{k}`: {v}" for k, v in sorted(DIFFERS_BY_DESIGN.items())]
    return "\n".join(lines) + "\n"


def stage_suite(unit: Path, suite: str, dest: Path) -> Path:
    """Copy one unit-test directory (with the unit package's own conftest and helpers) so that
    `tests.flytekit.unit.<suite>` imports resolve inside `dest`."""
    target = dest / "tests" / "flytekit" / "unit" / suite
    shutil.copytree(unit / suite, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for pkg in (dest / "tests", dest / "tests" / "flytekit"):
        (pkg / "__init__.py").touch()
    for helper in unit.glob("*.py"):
        shutil.copy(helper, dest / "tests" / "flytekit" / "unit" / helper.name)
    (dest / "pytest.ini").write_text(PYTEST_INI)
    (dest / "conftest.py").write_text(CONFTEST)
    return target


def extract_unit_tests(mirror: Path, commit: str, dest: Path) -> Path:
    """tests/flytekit/unit of the bare flytekit mirror at `commit`, extracted under `dest`."""
    archive = subprocess.run(["git", "-C", str(mirror), "archive", commit, "tests/flytekit/unit"],
                             check=True, capture_output=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "tests" / "flytekit" / "unit"


def suite_selection(suite_dir: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, str]]]:
    """Every test function of every test file under `suite_dir`, and each one's (kind, reason)."""
    selected: dict[str, tuple[str, ...]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for path in sorted(suite_dir.rglob("test_*.py")):
        rel = path.relative_to(suite_dir).as_posix()
        verdicts = classify_file(path.read_text())
        if verdicts:
            selected[rel] = tuple(verdicts)
            kinds.update({f"{rel}::{n}": v for n, v in verdicts.items()})
    return selected, kinds


def suite_markdown(suite: str, shim: list[dict], ref: list[dict] | None, kinds: dict[str, tuple[str, str]]) -> str:
    """Per kind of need: tests, passing on real flytekit, passing on the shim (of those); then per
    file the public tests that pass on flytekit and fail on the shim."""
    def status(results: list[dict]) -> dict[str, str]:
        return {f"{r['file']}::{n}": t["status"] for r in results for n, t in r["tests"].items()}

    on_shim, on_ref = status(shim), status(ref) if ref else {}
    by_design = {k.split("/", 1)[1]: v for k, v in SUITE_DIFFERS_BY_DESIGN.items() if k.startswith(f"{suite}/")}
    lines = [f"unit/{suite}: each test function once, by what it needs (static classification)", "",
             "| needs | tests | pass on flytekit | pass on the shim | shim, of flytekit's passes | differs by design |",
             "|---|---|---|---|---|---|"]
    for kind in ("public", *NEEDS_KINDS):
        ids = [i for i, (k, _) in kinds.items() if k == kind]
        if not ids:
            continue
        ref_pass = [i for i in ids if on_ref.get(i) == "passed"]
        both = [i for i in ref_pass if on_shim.get(i) == "passed"]
        shim_pass = sum(on_shim.get(i) == "passed" for i in ids)
        label = "public API only" if kind == "public" else kind
        ref_cell = str(len(ref_pass)) if ref else "-"
        ratio = f"{len(both)} of {len(ref_pass)}" if ref else "-"
        differs = sum(i in by_design and on_shim.get(i) != "passed" for i in ref_pass)
        lines.append(f"| {label} | {len(ids)} | {ref_cell} | {shim_pass} | {ratio} | {differs} |")
    lines += ["", "| public test | flytekit | shim | shim's error |", "|---|---|---|---|"]
    msgs = {f"{r['file']}::{n}": t["message"] for r in shim for n, t in r["tests"].items()}
    for i, (k, _) in sorted(kinds.items()):
        if k == "public" and on_shim.get(i) != "passed":
            why = f"differs by design: {by_design[i]}" if i in by_design else msgs.get(i, "")[:160].replace("|", "/")
            lines.append(f"| `{i}` | {on_ref.get(i, '-')} | {on_shim.get(i)} | {why} |")
    lines += ["", "Reasons, test by test:", ""]
    lines += [f"- `{i}`: {k} ({r})" for i, (k, r) in sorted(kinds.items()) if k != "public"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("core", type=Path, nargs="?",
                    help="a flytekit checkout's tests/flytekit/unit/core directory (or give --mirror)")
    ap.add_argument("--suite", default="core",
                    help="unit-test directory to run: core (the fixed public list) or types, extras, ... "
                         "(every test function, classified statically)")
    ap.add_argument("--mirror", type=Path, help="a bare git mirror of flytekit; tests come from --commit")
    ap.add_argument("--commit", default=PINNED_COMMIT, help="flytekit commit to take the tests from (with --mirror)")
    ap.add_argument("--python", default=sys.executable, help="interpreter to run pytest with")
    ap.add_argument("--no-shim", action="store_true", help="do not put this repository first on PYTHONPATH")
    ap.add_argument("--reference-python", help="also run the same selection with this interpreter's real flytekit, "
                                               "in the same run (both sides reported)")
    ap.add_argument("--only", action="append", default=[], help="run only these test files (repeatable)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=180, help="seconds per test")
    ap.add_argument("--json", type=Path, help="write per-test results here")
    ap.add_argument("--md", type=Path, help="write the markdown table here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every failing test's message")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="flytekit-peer-") as tmp:
        root = Path(tmp) / "staged"
        root.mkdir()
        if args.mirror:
            unit = extract_unit_tests(args.mirror.resolve(), args.commit, Path(tmp) / "src")
        elif args.core:
            unit = args.core.resolve().parent
        else:
            ap.error("give a tests/flytekit/unit/core directory or --mirror")
        if args.suite == "core":
            core = unit / "core"
            if not (core / "test_workflows.py").exists():
                ap.error(f"{core} does not look like flytekit's tests/flytekit/unit/core (no test_workflows.py)")
            selected = {f: n for f, n in PUBLIC_TESTS.items() if not args.only or f in args.only}
            missing = [f for f in selected if not (core / f).exists()]
            if missing:
                print(f"warning: not in this checkout: {', '.join(missing)}", file=sys.stderr)
            selected = {f: n for f, n in selected.items() if f not in missing}
            stage(core, root)
            kinds: dict[str, tuple[str, str]] = {}
        else:
            if not (unit / args.suite).is_dir():
                ap.error(f"no tests/flytekit/unit/{args.suite} in {unit}")
            selected, kinds = suite_selection(unit / args.suite)
            selected = {f: n for f, n in selected.items() if not args.only or f in args.only}
            stage_suite(unit, args.suite, root)
        sides = [(args.python, not args.no_shim)]
        if args.reference_python:
            sides.append((args.reference_python, False))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {side: [pool.submit(run_file, side[0], root, f, names, side[1], args.timeout, args.suite)
                              for f, names in selected.items()] for side in sides}
            per_side = [[fut.result() for fut in futures[side]] for side in sides]
    results, ref = per_side[0], (per_side[1] if len(per_side) > 1 else None)
    table = markdown(results) if args.suite == "core" else suite_markdown(args.suite, results, ref, kinds)
    if args.suite == "core" and ref is not None:
        table += "\nReal flytekit, same run:\n\n" + markdown(ref)
    print(table)
    if args.verbose:
        for r in results:
            for name, t in r["tests"].items():
                if classify(r["file"], name, t["status"]) == "fail":
                    print(f"FAIL {r['file']}::{name}: {t['message']}")
    if args.json:
        args.json.write_text(json.dumps({"shim": results, "reference": ref, "kinds": kinds}, indent=1))
    if args.md:
        args.md.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
