"""What a migration did: per file and for a whole run, as text or JSON.

Every construct the codemod could not convert is a `Finding` with the line of the
`# TODO(flyte-migrate): ...` comment it left in the migrated file, so the report and the code
point at the same place.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from ._cst import TODO_PREFIX


@dataclass(frozen=True)
class Finding:
    """A manual follow-up: `path:line` holds a TODO comment saying what and why."""

    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message}"


@dataclass
class FileResult:
    """The outcome for one file. `output` is None when nothing changed or the file was left alone.

    `error` says why a file could not be migrated (status "error": the run exits 1); `note`
    says why a path was deliberately left alone (status "skipped": a symlink leading outside
    the given paths, a FIFO) or something worth knowing about a written file (hard links).
    """

    path: str
    status: str  # "changed" | "unchanged" | "skipped" | "error"
    source: bytes = b""
    output: Optional[bytes] = None
    applied: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    error: Optional[str] = None
    note: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.status == "changed"

    @property
    def code(self) -> str:
        """The migrated source (the original one when nothing changed)."""
        return (self.output if self.output is not None else self.source).decode("utf-8")


TODO_MARK = TODO_PREFIX.strip().encode()


def _todo_lines(output: str) -> list[tuple[int, str]]:
    out = []
    for i, text in enumerate(output.splitlines(), start=1):
        pos = text.find(TODO_PREFIX)
        if pos >= 0:
            out.append((i, text[pos + len(TODO_PREFIX) :].rstrip()))
    return out


def locate_todos(path: str, output: str, todos: list[tuple]) -> list[Finding]:
    """Every TODO in `output` as a Finding: the (code, message) pairs the rules reported get the
    line of their comment, and comments left by an earlier run are reported too."""
    lines: dict[str, list[int]] = {}
    for i, text in _todo_lines(output):
        lines.setdefault(text, []).append(i)
    out: list[Finding] = []
    used: Counter = Counter()
    for code, message in todos:
        text = f"{code} {message}"
        candidates = lines.get(text, [])
        k = used[text]
        used[text] += 1
        line = candidates[k] if k < len(candidates) else (candidates[-1] if candidates else 0)
        out.append(Finding(path, line, code, message))
    seen = {(f.line, f.code, f.message) for f in out}
    out += [f for f in open_todos(path, output) if (f.line, f.code, f.message) not in seen]
    out.sort(key=lambda f: (f.line, f.code))
    return out


def open_todos(path: str, text: str) -> list[Finding]:
    """The `# TODO(flyte-migrate): FMxxx ...` comments already in a file."""
    out = []
    for line, body in _todo_lines(text):
        code, _, message = body.partition(" ")
        if not (code.startswith("FM") and code[2:].isdigit()):
            code, message = "FM???", body
        out.append(Finding(path, line, code, message))
    return out


@dataclass
class RunReport:
    """`notes` are about the run rather than one file (a worker process that died, an interrupt);
    `interrupted` is true when the run was stopped before every file was migrated."""

    files: list[FileResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "changed"]

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]

    @property
    def noted(self) -> list[FileResult]:
        return [f for f in self.files if f.note]

    @property
    def findings(self) -> list[Finding]:
        return [x for f in self.files for x in f.findings]

    def rule_counts(self) -> dict[str, int]:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.applied)
        return dict(sorted(total.items()))

    def to_json(self) -> str:
        data = {
            "summary": {
                "files": len(self.files),
                "changed": len(self.changed),
                "unchanged": sum(1 for f in self.files if f.status == "unchanged"),
                "skipped": sum(1 for f in self.files if f.status == "skipped"),
                "errors": len(self.errors),
                "notes": len(self.noted) + len(self.notes),
                "todos": len(self.findings),
                "rules": self.rule_counts(),
                "interrupted": self.interrupted,
            },
            "notes": self.notes,
            "files": [
                {
                    "path": f.path,
                    "status": f.status,
                    "rules": dict(sorted(f.applied.items())),
                    "todos": [{"line": x.line, "code": x.code, "message": x.message} for x in f.findings],
                    **({"error": f.error} if f.error else {}),
                    **({"note": f.note} if f.note else {}),
                }
                for f in self.files
                if f.status != "skipped" or f.note
            ],
        }
        return json.dumps(data, indent=2)

    def summary_lines(self, verb: str = "Migrated") -> list[str]:
        n_skipped = sum(1 for f in self.files if f.status == "skipped" and not f.note)
        n_left = sum(1 for f in self.files if f.status == "skipped" and f.note)
        left = f", {n_left} left alone" if n_left else ""
        lines = [
            f"{verb} {len(self.changed)} of {len(self.files)} files "
            f"({n_skipped} without flytekit skipped{left}, {len(self.errors)} could not be migrated)."
        ]
        if self.interrupted:
            lines.insert(0, "Interrupted: files not reached were left unchanged; every file written is complete.")
        counts = self.rule_counts()
        if counts:
            lines.append("Rules applied: " + ", ".join(f"{code} x{n}" for code, n in counts.items()))
        for f in self.errors:
            lines.append(f"error: {f.path}: {f.error}")
        for f in self.noted:
            lines.append(f"note: {f.path}: {f.note}")
        for note in self.notes:
            lines.append(f"note: {note}")
        findings = self.findings
        if findings:
            lines.append(f"Manual follow-ups ({len(findings)}), each marked '# TODO(flyte-migrate)' in the code:")
            lines.extend(f"  {x}" for x in findings)
        return lines
