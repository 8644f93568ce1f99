from .._condition import ConditionalSection, conditional

__all__ = ["ConditionalSection", "conditional"]
