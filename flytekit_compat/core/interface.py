"""`flytekit.core.interface`: an entity's inputs and outputs, in Python and in Flyte's type system.

`Interface` is the Python side (names to types, inputs with defaults); `transform_variable_map`
and friends describe it with literal types (`flytekit.models.interface`), as a backend sees it,
including the artifact each output is bound to and the checks flytekit makes on those bindings.
"""

from __future__ import annotations

import collections
import inspect
import typing
from collections import OrderedDict
from typing import Any, Optional

from .._interface import Interface, extract, output_type_names
from ..exceptions.user import FlyteValidationException
from ..models import interface as _interface_models
from ..models.artifact_id import DYNAMIC_INPUT_BINDING, has_field
from ..models.literals import Literal, Scalar, Void


def extract_return_annotation(return_annotation: Any) -> dict[str, Any]:
    """Output names and types of a return annotation: `o0`, `o1`, ... or a NamedTuple's fields."""
    outputs, _ = output_type_names(return_annotation)  # `-> (int, str)` included
    return outputs


def detect_artifact(ts: tuple) -> Optional[Any]:
    """The partial artifact id that an Annotated type's metadata binds the value to, if any."""
    from .artifact import Artifact, ArtifactIDSpecification

    for t in ts:
        if isinstance(t, Artifact):
            return t().to_partial_artifact_id()
        if isinstance(t, ArtifactIDSpecification):
            return t.to_partial_artifact_id()
    return None


def transform_type(x: Any, description: Optional[str] = None) -> _interface_models.Variable:
    from .type_engine import TypeEngine

    return _interface_models.Variable(type=TypeEngine.to_literal_type(x), description=description,
                                      artifact_partial_id=detect_artifact(typing.get_args(x)))


def transform_variable_map(variable_map: Optional[dict[str, Any]],
                           descriptions: Optional[dict[str, str]] = None) -> dict[str, _interface_models.Variable]:
    """Names to Variables (literal type, description and artifact binding)."""
    descriptions = descriptions or {}
    return OrderedDict((k, transform_type(v, descriptions.get(k, k))) for k, v in (variable_map or {}).items())


def _descriptions(interface: Interface) -> tuple[dict[str, str], dict[str, str]]:
    doc: Any = interface.docstring
    if doc is None:
        return {}, {}
    if isinstance(doc, str):
        from .docstring import Docstring

        doc = Docstring(docstring=doc)
    outputs = dict(doc.output_descriptions)
    if len(outputs) == 1 and len(interface.outputs) >= 1 and next(iter(outputs)) not in interface.outputs:
        # one description for all outputs (numpy style "out1, out2 : tuple")
        text = next(iter(outputs.values()))
        outputs = {k: text for k in interface.outputs}
    return dict(doc.input_descriptions), outputs


def verify_outputs_artifact_bindings(inputs: dict[str, Any], outputs: dict[str, _interface_models.Variable],
                                     allow_partial_artifact_id_binding: bool = False) -> None:
    """Partition values bound to inputs must name real inputs; values set at run time are for
    tasks only."""
    for name, var in outputs.items():
        pid = var.artifact_partial_id
        if pid is None:
            continue
        if has_field(pid, "partitions") and pid.partitions is not None and pid.partitions.value:
            for key, value in pid.partitions.value.items():
                if value == DYNAMIC_INPUT_BINDING:
                    if not allow_partial_artifact_id_binding:
                        raise FlyteValidationException(
                            f"Binding a partition {key}'s value dynamically is not allowed for workflows")
                    continue
                if has_field(value, "input_binding") and value.input_binding.var not in inputs:
                    raise FlyteValidationException(f"Output partition {name} is bound to input "
                                                   f"{value.input_binding.var} which does not exist in the interface")
        if has_field(pid, "time_partition") and pid.time_partition is not None:
            value = pid.time_partition.value
            if value == DYNAMIC_INPUT_BINDING:
                if not allow_partial_artifact_id_binding:
                    raise FlyteValidationException("Binding a time partition's value dynamically is not allowed for "
                                                   "workflows")
                continue
            if value is not None and has_field(value, "input_binding") and value.input_binding.var not in inputs:
                raise FlyteValidationException(f"Output time partition is bound to input {value.input_binding.var} "
                                               "which does not exist in the interface")


def transform_interface_to_typed_interface(interface: Optional[Interface],
                                           allow_partial_artifact_id_binding: bool = False
                                           ) -> Optional[_interface_models.TypedInterface]:
    if interface is None:
        return None
    in_desc, out_desc = _descriptions(interface)
    inputs = transform_variable_map(interface.inputs, in_desc)
    outputs = transform_variable_map(interface.outputs, out_desc)
    verify_outputs_artifact_bindings(interface.inputs, outputs, allow_partial_artifact_id_binding)
    return _interface_models.TypedInterface(inputs, outputs)


def transform_inputs_to_parameters(ctx: Any, interface: Optional[Interface]) -> _interface_models.ParameterMap:
    """The inputs as parameters: required ones, ones with a default literal, and ones whose
    default is an artifact query."""
    from .artifact import Artifact, ArtifactQuery
    from .type_engine import TypeEngine, UnionTransformer

    if interface is None:
        return _interface_models.ParameterMap({})
    in_desc, _ = _descriptions(interface)
    variables = transform_variable_map(interface.inputs, in_desc)
    params = {}
    for name, var in variables.items():
        tp, default = interface.inputs_with_defaults[name]
        if default is inspect.Parameter.empty:
            default = None
        if default is None and UnionTransformer.is_optional_type(tp):
            params[name] = _interface_models.Parameter(var=var, default=Literal(scalar=Scalar(none_type=Void())),
                                                       required=False)
        elif isinstance(default, ArtifactQuery):
            params[name] = _interface_models.Parameter(var=var, required=False, artifact_query=default.to_flyte_idl())
        elif isinstance(default, Artifact):
            if not default.version:
                query = default.query()
                if not query.bound:
                    raise FlyteValidationException(f"Cannot use default query with artifact {default.name}")
                params[name] = _interface_models.Parameter(var=var, required=False, artifact_query=query.to_flyte_idl())
            else:
                params[name] = _interface_models.Parameter(var=var, required=False,
                                                           artifact_id=default.concrete_artifact_id)
        else:
            literal = TypeEngine.to_literal(ctx, default, tp, var.type) if default is not None else None
            params[name] = _interface_models.Parameter(var=var, default=literal, required=default is None)
    return _interface_models.ParameterMap(params)


def transform_types_to_list_of_type(m: Optional[dict[str, Any]], bound_inputs: typing.Set[str],
                                    list_as_optional: bool = False) -> dict[str, Any]:
    """The types as lists (for a map task), unless every unbound one is a list already."""
    if m is None:
        return {}
    if all(k in bound_inputs or typing.get_origin(v) is list or v is list for k, v in m.items()):
        return m
    return {k: v if k in bound_inputs else typing.List[typing.Optional[v] if list_as_optional else v]  # type: ignore[misc]
            for k, v in m.items()}


def transform_interface_to_list_interface(interface: Interface, bound_inputs: typing.Set[str],
                                          excluded_inputs: typing.Set[str], optional_outputs: bool = False) -> Interface:
    inputs = {k: v for k, v in interface.inputs.items() if k not in excluded_inputs}
    return Interface(inputs=transform_types_to_list_of_type(inputs, bound_inputs),
                     outputs=transform_types_to_list_of_type(interface.outputs, set(), optional_outputs))


def transform_function_to_interface(fn: typing.Callable[..., Any], docstring: Any = None,
                                    is_reference_entity: bool = False, pickle_untyped: bool = False) -> Interface:
    interface = extract(fn, check_return=not is_reference_entity, allow_untyped=pickle_untyped)
    if docstring is not None:
        interface.docstring = docstring  # type: ignore[assignment]
    return interface


def default_output_name(index: int = 0) -> str:
    return f"o{index}"


def output_name_generator(length: int) -> typing.Iterator[str]:
    for i in range(length):
        yield default_output_name(i)


__all__ = ["Interface", "collections", "default_output_name", "detect_artifact", "extract_return_annotation",
           "output_name_generator", "transform_function_to_interface", "transform_inputs_to_parameters",
           "transform_interface_to_list_interface", "transform_interface_to_typed_interface", "transform_type",
           "transform_types_to_list_of_type", "transform_variable_map", "verify_outputs_artifact_bindings"]
