from .._promise import ComparisonExpression, ConjunctionExpression, NodeOutput, Promise, VoidPromise

__all__ = ["ComparisonExpression", "ConjunctionExpression", "NodeOutput", "Promise", "VoidPromise"]
