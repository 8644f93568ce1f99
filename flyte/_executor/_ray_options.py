"""A task's `flyte.Resources` as Ray scheduling options (num_cpus, num_gpus, accelerator_type,
memory)."""

from __future__ import annotations

import re
from typing import Any, Optional

_UNITS = {
    "": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15,
    "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40, "pi": 2**50,
}
_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*$")


def _request(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) else value


def cpu_count(value: Any) -> Optional[float]:
    """Cores from 2, 0.5, '2' or '500m'."""
    value = _request(value)
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    return float(text)


def memory_bytes(value: Any) -> Optional[int]:
    """Bytes from a Kubernetes quantity: '512Mi', '2Gi', '1G', '1500'."""
    value = _request(value)
    if value is None:
        return None
    m = _QUANTITY.match(str(value))
    unit = m.group(2).lower() if m else None
    if m is None or unit not in _UNITS:
        raise ValueError(f"Cannot read memory quantity {value!r}; use forms like '512Mi', '2Gi' or '1G'")
    return int(float(m.group(1)) * _UNITS[unit])


def gpu_count(value: Any) -> Optional[float]:
    """GPUs from 1, 'A100:2', 'T4' or a Device."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    quantity = getattr(value, "quantity", None)
    if quantity is not None:
        return float(quantity)
    text = str(value)
    return float(text.rsplit(":", 1)[1]) if ":" in text else 1.0


def accelerator_type(value: Any) -> Optional[str]:
    """The accelerator a GPU request names ('A100' of 'A100:2', a Device's device), if any."""
    if value is None or isinstance(value, (int, float)):
        return None
    device = getattr(value, "device", None)
    if device is not None:
        return str(device)
    text = str(value).strip()
    name = text.rsplit(":", 1)[0] if ":" in text else text
    return name or None


def ray_options(resources: Any) -> dict[str, Any]:
    """Ray `.options(...)` for a task with these resources (None: Ray's defaults, one CPU)."""
    if resources is None:
        return {}
    opts: dict[str, Any] = {}
    cpus = cpu_count(resources.cpu)
    if cpus is not None:
        opts["num_cpus"] = cpus
    mem = memory_bytes(resources.memory)
    if mem is not None:
        opts["memory"] = mem
    gpus = gpu_count(resources.gpu)
    if gpus is not None:
        opts["num_gpus"] = gpus
        # Ray's convention: a node with such cards has the resource "accelerator_type:<name>", and
        # a task with this option runs only there (`ray start --resources='{"accelerator_type:A100": 1}'`)
        kind = accelerator_type(resources.gpu)
        if kind is not None:
            opts["accelerator_type"] = kind
    return opts
