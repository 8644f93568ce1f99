"""flyte-migrate: rewrite Flyte 1 (flytekit) code into Flyte 2 (`flyte`) code.

    >>> from codemods import migrate_source
    >>> result = migrate_source(open("workflows.py").read(), path="workflows.py")
    >>> print(result.code)             # the migrated module
    >>> for todo in result.findings:   # what needs a human, with the line of its TODO comment
    ...     print(todo)

`migrate_paths()` does the same for files and directories (in parallel, writing atomically or
returning diffs), and `flyte-migrate PATH...` is its command line. Rules are listed in `RULES`
and selected by code (`FM101`), prefix (`FM3`) or name (`map-task`).
"""

from ._engine import migrate_source
from ._report import FileResult, Finding, RunReport
from ._runner import migrate_paths
from .rules import RULES, Rule, UnknownRuleError, select_codes

__all__ = [
    "RULES",
    "FileResult",
    "Finding",
    "Rule",
    "RunReport",
    "UnknownRuleError",
    "migrate_paths",
    "migrate_source",
    "select_codes",
]
