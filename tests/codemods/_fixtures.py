"""Fixture pairs: `fixtures/<behaviour>/before.py` (Flyte 1), `after.py` (what flyte-migrate must
write) and `case.json` (how to run both and what they return).

case.json:
    {
      "runs": [{"entry": "wf", "inputs": {"x": 1}, "expected": 3}, ...],   # or "raises": "ValueError"
      "env": {"NAME": "value"},            # environment for the runs (secrets, condition answers)
      "todos": [["FM900", "ShellTask"]],   # (code, text in the message) of every TODO the migration reports
      "flytekit": false,                   # the before file cannot run on flytekit here (missing plugin/pandas)
      "sdk_only": "why"                    # the after uses SDK APIs this repository's runtime lacks: it is
                                           # imported and run on the real SDK only (test_afters_import.py)
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Case:
    name: str
    dir: Path
    runs: list[dict[str, Any]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    todos: list[list[str]] = field(default_factory=list)
    flytekit: bool = True
    sdk_only: str = ""  # why the after runs on the real SDK only ("" = it runs here too)

    @property
    def before(self) -> Path:
        return self.dir / "before.py"

    @property
    def after(self) -> Path:
        return self.dir / "after.py"


def load_cases() -> list[Case]:
    cases = []
    for d in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and (p / "before.py").exists()):
        spec = json.loads((d / "case.json").read_text()) if (d / "case.json").exists() else {}
        cases.append(Case(d.name, d, spec.get("runs", []), spec.get("env", {}), spec.get("todos", []), spec.get("flytekit", True), spec.get("sdk_only", "")))
    return cases


def decode(value: Any) -> Any:
    """JSON inputs with a few tagged types: {"__datetime__": "2024-01-02T03:04:05"}."""
    if isinstance(value, dict):
        if set(value) == {"__datetime__"}:
            import datetime

            return datetime.datetime.fromisoformat(value["__datetime__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def normalize(value: Any) -> Any:
    """Outputs of both SDKs in one comparable shape (tuples and namedtuples become lists)."""
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    for attr in ("to_dict",):
        if hasattr(value, attr) and callable(getattr(value, attr)) and type(value).__name__ == "DataFrame":
            return normalize(value.to_dict(orient="list"))
    if type(value).__name__ in ("File", "FlyteFile", "Dir", "FlyteDirectory"):
        return {"path_basename": Path(str(getattr(value, "path", value))).name}
    return value
