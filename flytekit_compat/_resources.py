"""flytekit's `Resources` (requests and limits) and their mapping onto `flyte.Resources`."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Optional, Union

_Quantity = Union[str, int, float, None]


@dataclass
class Resources:
    """cpu, mem, gpu and ephemeral storage; with `resources=` each may be a (request, limit) tuple."""

    cpu: Union[_Quantity, tuple[_Quantity, _Quantity]] = None
    mem: Union[_Quantity, tuple[_Quantity, _Quantity]] = None
    gpu: Union[_Quantity, tuple[_Quantity, _Quantity]] = None
    ephemeral_storage: Union[_Quantity, tuple[_Quantity, _Quantity]] = None

    def __post_init__(self) -> None:
        for f in fields(self):
            # flytekit's rules: cpu may be fractional; memory, gpus and storage are strings or ints.
            valid: tuple[type, ...] = (str, int, float) if f.name == "cpu" else (str, int)
            value = getattr(self, f.name)
            if value is None:
                continue
            single = isinstance(value, valid) and not isinstance(value, bool)
            pair = isinstance(value, (list, tuple)) and all(isinstance(v, valid) for v in value)
            if not single and not pair:
                names = ", ".join(t.__name__ for t in valid)
                raise AssertionError(f"{value} should be of type {names} or a list/tuple of {names} (resource {f.name})")
            if pair and len(value) != 2:
                raise ValueError(f"{value} must be of length 2 (a request and a limit for {f.name})")

    def to_json(self) -> str:
        import json

        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> Resources:
        import json

        data = json.loads(text)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


@dataclass
class ResourceSpec:
    requests: Resources
    limits: Resources

    @classmethod
    def from_multiple_resource(cls, resources: Resources) -> ResourceSpec:
        requests, limits = {}, {}
        for f in fields(resources):
            value = getattr(resources, f.name)
            if isinstance(value, (tuple, list)):
                if len(value) != 2:
                    raise ValueError(f"Resource {f.name} as a tuple must be (request, limit), got {value}")
                requests[f.name], limits[f.name] = value
            elif value is not None:
                requests[f.name] = value  # a single value is a request only (flytekit)
        return cls(requests=Resources(**requests), limits=Resources(**limits))


def _pair(request: Any, limit: Any) -> Any:
    if request is None and limit is None:
        return None
    if request is None or limit is None or str(request) == str(limit):
        return str(request if request is not None else limit)
    return (str(request), str(limit))


_ACCELERATOR_NAMES = {
    "nvidia-tesla-a100": "A100", "nvidia-a100-80gb": "A100_80G", "nvidia-tesla-t4": "T4", "nvidia-a10g": "A10G",
    "nvidia-l4": "L4", "nvidia-tesla-v100": "V100", "nvidia-h100-80gb": "H100", "nvidia-h200": "H200",
    "nvidia-tesla-p100": "P100", "nvidia-tesla-k80": "K80", "nvidia-b200": "B200", "nvidia-l40s": "L40s",
}


def to_flyte_resources(spec: Optional[ResourceSpec], accelerator: Any = None, shared_memory: Any = None) -> Any:
    """The flyte.Resources for a task; (request, limit) pairs where they differ. None when unset.

    flyte only accepts known accelerator names: unknown ones are kept on the flytekit task but
    not passed on."""
    import flyte

    if spec is None and accelerator is None and shared_memory is None:
        return None
    req = spec.requests if spec else Resources()
    lim = spec.limits if spec else Resources()
    cpu = _pair(req.cpu, lim.cpu)
    mem = _pair(req.mem, lim.mem)
    disk_pair = _pair(req.ephemeral_storage, lim.ephemeral_storage)
    disk = disk_pair[1] if isinstance(disk_pair, tuple) else disk_pair  # flyte takes one disk value
    gpu_count = lim.gpu if lim.gpu is not None else req.gpu
    assert not isinstance(gpu_count, tuple)  # a ResourceSpec's requests and limits are single quantities
    gpu: Any = None
    if accelerator is not None:
        device = _ACCELERATOR_NAMES.get(getattr(accelerator, "device", str(accelerator)))
        if device is not None:
            gpu = f"{device}:{int(gpu_count or 1)}"
    elif gpu_count is not None and str(gpu_count).isdigit() and int(gpu_count) > 0:
        gpu = int(gpu_count)
    shm = None
    if shared_memory is True:
        shm = "auto"
    elif isinstance(shared_memory, str):
        shm = shared_memory
    try:
        return flyte.Resources(cpu=cpu, memory=mem, gpu=gpu, disk=disk, shm=shm)
    except ValueError:
        # Values flyte cannot represent (e.g. an unusual quantity) stay on the flytekit task only.
        return None
