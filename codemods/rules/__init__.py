"""The registry of rules.

`RULES` lists every rule class in the order their hooks run (inner rewrites before the rules
that regroup statements, imports last). Codes are stable and grouped like ruff's:

* FM0xx module: imports, `__main__` runs
* FM1xx entities: task environments, workflows, dynamic, eager, launch plans, named outputs
* FM2xx configuration: images, resources, cache, secrets, task options, overrides
* FM3xx control flow in drivers: `>>`, map_task, conditional, on_failure, gates, create_node
* FM4xx data and context: file/dir/dataframe types, current_context(), Deck
* FM5xx remote control: FlyteRemote scripts
* FM9xx everything else flytekit: reported with a TODO, never silently kept
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional

from ._base import Rule
from .artifacts import ArtifactsRule
from .cache import CacheRule
from .chain import ChainRule
from .conditional import ConditionalRule
from .create_node import CreateNodeRule
from .current_context import CurrentContextRule
from .deck import DeckRule
from .dynamic import DynamicRule
from .eager import EagerRule
from .exceptions import ExceptionsRule
from .gates import GatesRule
from .image_spec import ImageSpecRule
from .imports import ImportsRule
from .io_types import IoTypesRule
from .launch_plan import LaunchPlanRule
from .main_block import MainBlockRule
from .map_task import MapTaskRule
from .named_outputs import NamedOutputsRule
from .on_failure import OnFailureRule
from .overrides import OverridesRule
from .remote import RemoteRule
from .resources import ResourcesRule
from .secrets import SecretsRule
from .task_environment import TaskEnvironmentRule
from .task_options import TaskOptionsRule
from .type_extensions import TypeExtensionsRule
from .unsupported import UnsupportedRule
from .workflow import WorkflowRule

# Hook order. Rules that rewrite expressions come first, the task-environment rule before the
# driver rules (decorators, then bodies), on_failure after the body is regrouped, the catch-all
# report and the import rewrite last.
RULES: tuple[type[Rule], ...] = (
    IoTypesRule,
    ArtifactsRule,
    ExceptionsRule,
    CurrentContextRule,
    TypeExtensionsRule,
    SecretsRule,
    DeckRule,
    ImageSpecRule,
    ResourcesRule,
    CacheRule,
    TaskOptionsRule,
    NamedOutputsRule,
    GatesRule,
    MapTaskRule,
    CreateNodeRule,
    OverridesRule,
    ConditionalRule,
    ChainRule,
    LaunchPlanRule,
    TaskEnvironmentRule,
    WorkflowRule,
    DynamicRule,
    EagerRule,
    OnFailureRule,
    MainBlockRule,
    RemoteRule,
    UnsupportedRule,
    ImportsRule,
)

BY_CODE: dict[str, type[Rule]] = {r.code: r for r in RULES}
BY_NAME: dict[str, type[Rule]] = {r.name: r for r in RULES}
ALL_CODES: frozenset[str] = frozenset(BY_CODE)


class UnknownRuleError(ValueError):
    """A --select/--ignore value that names no rule."""


def _expand(values: Iterable[str]) -> frozenset[str]:
    out = set()
    for raw in values:
        for value in raw.split(","):
            value = value.strip()
            if not value:
                continue
            if value in BY_NAME:
                out.add(BY_NAME[value].code)
                continue
            matched = {c for c in ALL_CODES if c.startswith(value.upper())}
            if not matched:
                known = ", ".join(sorted(ALL_CODES))
                raise UnknownRuleError(f"unknown rule {value!r}: expected a code or prefix ({known}) or a rule name")
            out |= matched
    return frozenset(out)


def select_codes(select: Optional[Sequence[str]] = None, ignore: Optional[Sequence[str]] = None) -> frozenset[str]:
    """The enabled codes: `select` (all when empty) minus `ignore`; prefixes like `FM3` work."""
    chosen = _expand(select) if select else ALL_CODES
    return chosen - (_expand(ignore) if ignore else frozenset())


def rules_for(codes: frozenset[str]) -> list[Rule]:
    """Instances of the enabled rules, in hook order."""
    return [cls() for cls in RULES if cls.code in codes]


__all__ = ["ALL_CODES", "BY_CODE", "RULES", "Rule", "UnknownRuleError", "rules_for", "select_codes"]
