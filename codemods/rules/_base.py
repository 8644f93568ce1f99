"""The shape of a rule.

A rule is a class with a stable `code` (`FM101`), a kebab-case `name`, a one-line `summary` and
a docstring that shows its before/after. It rewrites nodes through LibCST transformer hooks:

* `leave_<Node>(self, fx, original_node, updated_node)` returns the replacement node, exactly
  like `libcst.CSTTransformer.leave_<Node>`, plus the shared `FileContext` as `fx`;
* `visit_<Node>(self, fx, node)` may return False to keep the traversal out of a subtree;
* `prepare(fx)` runs after the analysis pass and before the rewrite (plan module-wide changes);
* `finish(fx, module)` runs after the rewrite, in registry order (insert definitions, imports).

All enabled rules run together in one traversal of the tree that the analysis pass already
resolved (see `codemods._engine`), so adding a rule costs its hooks, not another parse or
another scope analysis. Hooks see `updated_node`s that earlier rules (and inner nodes) already
rewrote; a hook that does not recognise the node returns it unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from .._context import FileContext


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def prepare(self, fx: FileContext) -> None:
        """Plan module-wide changes before the rewrite pass."""

    def finish(self, fx: FileContext, module: cst.Module) -> cst.Module:
        """Last look at the rewritten module."""
        return module

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation: summary, then the docstring (before/after)."""
        import inspect

        return f"{cls.code} {cls.name}: {cls.summary}\n\n{inspect.cleandoc(cls.__doc__ or '')}\n"

    def __repr__(self) -> str:
        return f"<{self.code} {self.name}>"
