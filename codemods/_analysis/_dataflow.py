"""Keep a Flyte 1 workflow's parallelism when its body becomes sequential `await`s.

A Flyte 1 workflow is a graph: nodes whose inputs are ready run at the same time, and `a >> b`
adds an edge without passing data. A Flyte 2 driver task runs its body top to bottom, so every
`await` waits. `schedule_block()` takes a block whose task calls are already awaited and
regroups them:

* statements are split into *segments* at anything that is not a plain assignment, call
  statement, `return await ...` or `>>` chain (control flow, prints, asserts stay where they are
  and everything before them finishes first);
* inside a segment each task call gets a level one higher than the calls it depends on: reading
  a name another call wrote (data), writing a name an earlier statement read or wrote (order), or
  an explicit `a >> b` (which is then removed);
* calls on the same level become one `asyncio.gather(...)`; plain assignments move up to just
  after what they read.

The result runs every call no earlier than Flyte 1's graph allowed and never reorders dependent
work, so it computes the same values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from .._cst import contains, fresh_name, multiline_args, normalize_commas, open_paren_newline, reads, target_names
from .._walk import visit

_AWAIT, _SOLO, _LOCAL = "await", "solo", "local"

# Gather statements longer than this are written one call per line.
_LINE_BUDGET = 96


@dataclass
class _Node:
    index: int
    stmt: cst.SimpleStatementLine
    kind: str
    reads: set[str]
    writes: set[str]
    call: Optional[cst.BaseExpression] = None  # the awaited expression, for gather
    target: Optional[cst.BaseAssignTargetExpression] = None
    is_return: bool = False
    deps: set[int] = field(default_factory=set)
    time: tuple[int, int] = (-1, 1)


@dataclass
class ScheduleResult:
    statements: list[cst.BaseStatement]
    gathers: int = 0
    chains: int = 0
    chain_names: set[str] = field(default_factory=set)  # names that appeared in a removed `>>`


def _flatten_chain(node: cst.BaseExpression) -> Optional[list[cst.BaseExpression]]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.RightShift):
        left = _flatten_chain(node.left)
        if left is None:
            return None
        return [*left, node.right]
    return [node]


def schedule_block(
    body: Sequence[cst.BaseStatement],
    is_task_await: Callable[[cst.CSTNode], bool],
    pseudo_writes: Callable[[cst.CSTNode], set[str]],
    taken: set[str],
    chains_enabled: bool = True,
    indent: str = "    ",
    depth: int = 1,
) -> ScheduleResult:
    """Regroup one block's statements (see module docstring). Nested blocks are not touched."""
    result = ScheduleResult([])
    segment: list[_Node] = []
    names_at: dict[str, int] = {}  # name -> index of the node that last wrote it, in this segment

    def flush() -> None:
        if segment:
            result.statements.extend(_emit(segment, taken, result, indent, depth))
            segment.clear()
            names_at.clear()

    carry: list[cst.EmptyLine] = []  # comments above a `a >> b` that left no statement behind
    for stmt in body:
        if carry and isinstance(stmt, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            stmt = stmt.with_changes(leading_lines=[*carry, *stmt.leading_lines])
            carry = []
        node = _classify(stmt, len(segment), is_task_await, pseudo_writes)
        if node is None and chains_enabled:
            chain = _chain_nodes(stmt, len(segment), is_task_await, names_at)
            if chain is not None:
                result.chain_names |= reads(stmt) - set().union(*(n.reads for n in chain[0]))
                new_nodes, edges = chain
                if not new_nodes and isinstance(stmt, cst.SimpleStatementLine):
                    carry = [ln for ln in stmt.leading_lines if ln.comment is not None]
                segment.extend(new_nodes)
                for before, after in edges:
                    segment[after].deps.add(before)
                result.chains += 1
                continue
        if node is None:
            flush()
            result.statements.append(stmt)
            continue
        segment.append(node)
        for name in node.writes:
            names_at[name] = node.index
        if node.is_return:
            flush()
    flush()
    return result


def _classify(
    stmt: cst.BaseStatement,
    index: int,
    is_task_await: Callable[[cst.CSTNode], bool],
    pseudo_writes: Callable[[cst.CSTNode], set[str]],
) -> Optional[_Node]:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        names = target_names(target)
        if not names or (not isinstance(target, cst.Name) and len(names) != _count_elements(target)):
            return None  # attribute/subscript targets: keep in place
        value = small.value
        if isinstance(value, cst.Await) and is_task_await(value):
            return _Node(index, stmt, _AWAIT, reads(value), set(names), value.expression, target)
        has_await = contains(value, (cst.Await,)) or _has_async_comp(value)
        return _Node(index, stmt, _SOLO if has_await else _LOCAL, reads(value), set(names), target=target)
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Await) and is_task_await(small.value):
        return _Node(index, stmt, _AWAIT, reads(small.value), set(pseudo_writes(small.value)), small.value.expression)
    if isinstance(small, cst.Return) and isinstance(small.value, cst.Await) and is_task_await(small.value):
        return _Node(index, stmt, _AWAIT, reads(small.value), set(), small.value.expression, is_return=True)
    return None


def _count_elements(node: cst.BaseExpression) -> int:
    if isinstance(node, (cst.Tuple, cst.List)):
        return sum(_count_elements(el.value) for el in node.elements)
    return 1 if isinstance(node, cst.Name) else 0


def _has_async_comp(node: cst.CSTNode) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def visit_CompFor(self, n: cst.CompFor) -> None:
            nonlocal found
            if n.asynchronous is not None:
                found = True

    visit(node, _V())
    return found


def _chain_nodes(
    stmt: cst.BaseStatement,
    index: int,
    is_task_await: Callable[[cst.CSTNode], bool],
    names_at: dict[str, int],
) -> Optional[tuple[list[_Node], list[tuple[int, int]]]]:
    """`a >> b >> c` (names or awaited calls): new nodes for inline calls, and ordering edges."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Expr):
        return None
    operands = _flatten_chain(small.value)
    if operands is None or len(operands) < 2:
        return None
    new_nodes: list[_Node] = []
    order: list[Optional[int]] = []
    for op in operands:
        if isinstance(op, cst.Name):
            order.append(names_at.get(op.value))
        elif isinstance(op, cst.Await) and is_task_await(op):
            node = _Node(index + len(new_nodes), cst.SimpleStatementLine(body=[cst.Expr(op)]), _AWAIT, reads(op), set(), op.expression)
            new_nodes.append(node)
            order.append(node.index)
        else:
            return None
    edges = [(a, b) for a, b in itertools.pairwise(order) if a is not None and b is not None and a != b]
    # the statement's own comments survive on the first inline call, if any
    if new_nodes:
        new_nodes[0].stmt = new_nodes[0].stmt.with_changes(leading_lines=stmt.leading_lines)
    return new_nodes, edges


def _emit(nodes: list[_Node], taken: set[str], result: ScheduleResult, indent: str, depth: int) -> list[cst.BaseStatement]:
    by_index = {n.index: n for n in nodes}
    for j, nj in enumerate(nodes):
        for ni in nodes[:j]:
            if nj.reads & ni.writes or nj.writes & ni.reads or nj.writes & ni.writes:
                nj.deps.add(ni.index)
    # An awaited call runs one level after everything it depends on; a plain assignment runs
    # right after the level that produced what it reads (phase 1), or first of all. A `>>`
    # edge may point from a later statement to an earlier one, so visit in dependency order.
    for n in _topological(nodes, by_index):
        if n.kind == _LOCAL:
            n.time = max([(by_index[d].time[0], 1) for d in n.deps], default=(-1, 1))
        else:
            n.time = (max([by_index[d].time[0] + 1 for d in n.deps], default=0), 0)
    order = sorted(nodes, key=lambda n: (n.time, n.index))
    groups: list[list[_Node]] = []
    for n in order:
        if groups and groups[-1][0].time == n.time:
            groups[-1].append(n)
        else:
            groups.append([n])
    out: list[cst.BaseStatement] = []
    return_temp: Optional[str] = None
    for g, members in enumerate(groups):
        awaits = [m for m in members if m.kind == _AWAIT]
        others = [m for m in members if m.kind != _AWAIT]
        if len(awaits) == 1:
            only = awaits[0]
            if only.is_return and (others or g < len(groups) - 1):
                return_temp = fresh_name("result", taken)
                out.append(_with_target(only, cst.Name(return_temp)))
            else:
                out.append(only.stmt)
        elif awaits:
            stmt, temp = _gather(awaits, taken, indent, depth)
            return_temp = temp or return_temp
            out.append(stmt)
            result.gathers += 1
        out.extend(m.stmt for m in others)
    if return_temp is not None:
        out.append(cst.SimpleStatementLine(body=[cst.Return(value=cst.Name(return_temp))]))
    return out


def _topological(nodes: list[_Node], by_index: dict[int, _Node]) -> list[_Node]:
    """Nodes with every dependency before its dependents; edges that would close a cycle
    (a `>>` contradicting the data flow) are dropped, data dependencies win."""
    order: list[_Node] = []
    state: dict[int, int] = {}  # 1 = visiting, 2 = done

    def visit(n: _Node) -> None:
        state[n.index] = 1
        for d in sorted(n.deps):
            if state.get(d) == 1:
                n.deps.discard(d)  # a cycle: keep the statement order instead
            elif state.get(d) is None:
                visit(by_index[d])
        state[n.index] = 2
        order.append(n)

    for n in nodes:
        if n.index not in state:
            visit(n)
    return order


def _with_target(node: _Node, target: cst.BaseAssignTargetExpression) -> cst.SimpleStatementLine:
    assert node.call is not None
    return node.stmt.with_changes(
        body=[cst.Assign(targets=[cst.AssignTarget(target=target)], value=cst.Await(expression=node.call))]
    )


def _gather(group: list[_Node], taken: set[str], indent: str, depth: int) -> tuple[cst.SimpleStatementLine, Optional[str]]:
    targets: list[cst.BaseExpression] = []
    temp: Optional[str] = None
    for n in group:
        if n.is_return:
            temp = fresh_name("result", taken)
            targets.append(cst.Name(temp))
        elif n.target is not None:
            t = n.target
            if isinstance(t, cst.Tuple):
                t = t.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if not t.lpar else t
            targets.append(t)
        else:
            targets.append(cst.Name("_"))
    calls = [cst.Arg(value=n.call) for n in group if n.call is not None]
    func = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("gather"))
    gather = cst.Call(func=func, args=normalize_commas(calls))
    value = cst.Await(expression=gather)
    all_blank = all(isinstance(t, cst.Name) and t.value == "_" for t in targets)
    if all_blank:
        small: cst.BaseSmallStatement = cst.Expr(value)
    else:
        elements = []
        for k, target in enumerate(targets):
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if k < len(targets) - 1 else cst.MaybeSentinel.DEFAULT
            elements.append(cst.Element(value=target, comma=comma))
        small = cst.Assign(targets=[cst.AssignTarget(target=cst.Tuple(elements=elements, lpar=[], rpar=[]))], value=value)
    leading: list[cst.EmptyLine] = []
    for n in group:
        leading.extend(n.stmt.leading_lines)
        tw = n.stmt.trailing_whitespace
        if tw.comment is not None:
            leading.append(cst.EmptyLine(indent=True, comment=tw.comment))
    stmt = cst.SimpleStatementLine(body=[small], leading_lines=leading)
    width = len(indent) * depth + len(cst.Module(body=[]).code_for_node(stmt).splitlines()[-1])
    if width > _LINE_BUDGET:
        gather = gather.with_changes(args=multiline_args(calls, indent), whitespace_before_args=open_paren_newline(indent))
        small = small.with_changes(value=cst.Await(expression=gather))
        stmt = stmt.with_changes(body=[small])
    return stmt, temp
