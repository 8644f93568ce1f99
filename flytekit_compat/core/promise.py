from .._internal import internal_functions
from .._promise import ComparisonExpression, ConjunctionExpression, NodeOutput, Promise, VoidPromise

(binding_data_from_python_std, binding_from_python_std, create_and_link_node, create_and_link_node_from_remote,
 resolve_attr_path_in_promise, translate_inputs_to_literals, flyte_entity_call_handler) = internal_functions(
    __name__, "flytekit's literal-level promise machinery", "binding_data_from_python_std", "binding_from_python_std",
    "create_and_link_node", "create_and_link_node_from_remote", "resolve_attr_path_in_promise",
    "translate_inputs_to_literals", "flyte_entity_call_handler",
)

__all__ = ["ComparisonExpression", "ConjunctionExpression", "NodeOutput", "Promise", "VoidPromise"]
