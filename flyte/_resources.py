"""Compute resources a task asks for: kept on the task, shown in the store, not enforced locally."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

DeviceClass = Literal["GPU", "TPU", "NEURON", "AMD_GPU", "HABANA_GAUDI", "APPLE_SILICON"]

_GPU_TYPES = (
    "A2", "A10", "A10G", "A100", "A100_80G", "B200", "H100", "H200", "L4", "L40s", "T4", "V100",
    "RTX_PRO_4500", "RTX_PRO_6000", "GB10", "T4 shared", "L4 shared", "A10G shared", "A10 shared", "L40S shared",
)
_TPU_TYPES = ("V5E", "V5P", "V6E")
_NEURON_TYPES = ("Inf1", "Inf2", "Trn1", "Trn1n", "Trn2", "Trn2u")
_AMD_TYPES = ("MI100", "MI210", "MI250", "MI250X", "MI300A", "MI300X", "MI325X", "MI350X", "MI355X")
_GAUDI_TYPES = ("Gaudi1",)
_MIG_PARTITIONS = {
    "A100": ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "A100_80G": ("1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H200": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
    "RTX_PRO_6000": ("1g.24gb", "2g.48gb", "4g.96gb"),
}


@dataclass(frozen=True)
class Device:
    """One kind of accelerator and how many of it."""

    quantity: int
    device_class: DeviceClass
    device: Optional[str] = None
    partition: Optional[str] = None

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("GPU quantity must be at least 1")
        if (self.device == "AppleSilicon") != (self.device_class == "APPLE_SILICON"):
            raise ValueError('The Apple Silicon device is device="AppleSilicon" with device_class="APPLE_SILICON"')
        if self.device_class == "APPLE_SILICON" and self.quantity != 1:
            raise ValueError("An Apple Silicon device is the Mac's single Metal GPU; quantity must be 1")


def GPU(device: str, quantity: int, partition: Optional[str] = None) -> Device:
    """An NVIDIA GPU, optionally a MIG partition of one."""
    if quantity < 1:
        raise ValueError("GPU quantity must be at least 1")
    if device not in _GPU_TYPES:
        raise ValueError(f"Invalid GPU type: {device}. Must be one of {_GPU_TYPES}")
    if partition is not None:
        allowed = _MIG_PARTITIONS.get(device)
        if allowed is None:
            raise ValueError(f"GPU {device} cannot be partitioned")
        if partition not in allowed:
            raise ValueError(f"Invalid partition for {device}: {partition}. Must be one of {allowed}")
    return Device(quantity=quantity, device_class="GPU", device=device, partition=partition)


def TPU(device: str, partition: Optional[str] = None) -> Device:
    if device not in _TPU_TYPES:
        raise ValueError(f"Invalid TPU type: {device}. Must be one of {_TPU_TYPES}")
    return Device(quantity=1, device_class="TPU", device=device, partition=partition)


def Neuron(device: str) -> Device:
    if device not in _NEURON_TYPES:
        raise ValueError(f"Invalid Neuron type: {device}. Must be one of {_NEURON_TYPES}")
    return Device(quantity=1, device_class="NEURON", device=device)


def AMD_GPU(device: str) -> Device:
    if device not in _AMD_TYPES:
        raise ValueError(f"Invalid AMD GPU type: {device}. Must be one of {_AMD_TYPES}")
    return Device(quantity=1, device_class="AMD_GPU", device=device)


def HABANA_GAUDI(device: str) -> Device:
    if device not in _GAUDI_TYPES:
        raise ValueError(f"Invalid Habana Gaudi type: {device}. Must be one of {_GAUDI_TYPES}")
    return Device(quantity=1, device_class="HABANA_GAUDI", device=device)


def APPLE_SILICON() -> Device:
    return Device(quantity=1, device_class="APPLE_SILICON", device="AppleSilicon")


CPUBaseType = Union[int, float, str]


def _check_cpu(value: object, pair_ok: bool = True) -> None:
    if value is None:
        return
    if pair_ok and isinstance(value, tuple):
        if len(value) != 2 or any(v is None for v in value):
            raise ValueError(f"cpu must be a (request, limit) pair of set values, got {value!r}")
        for v in value:
            _check_cpu(v, pair_ok=False)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"cpu must be a core count or a quantity string such as 1, 0.5 or '100m', got {value!r}")
    if isinstance(value, (int, float)) and value < 0:
        raise ValueError("cpu must be greater than or equal to 0")


def _check_quantity(name: str, value: object, pair_ok: bool) -> None:
    if value is None:
        return
    if pair_ok and isinstance(value, tuple):
        if len(value) != 2 or any(v is None for v in value):
            raise ValueError(f"{name} must be a (request, limit) pair of set values, got {value!r}")
        for v in value:
            _check_quantity(name, v, pair_ok=False)
        return
    if not isinstance(value, str):
        raise ValueError(
            f"{name} must be a Kubernetes quantity string such as '1Gi', '512Mi' or '2G', "
            f"got {type(value).__name__}: {value!r}"
        )


@dataclass
class Resources:
    """CPU, memory, accelerators, disk and shared memory for a task.

    `cpu` and `memory` take a single value (request = limit) or a `(request, limit)` pair.
    """

    cpu: Union[CPUBaseType, tuple[CPUBaseType, CPUBaseType], None] = None
    memory: Union[str, tuple[str, str], None] = None
    gpu: Union[str, int, Device, None] = None
    disk: Optional[str] = None
    shm: Union[str, Literal["auto"], None] = None

    def __post_init__(self) -> None:
        _check_cpu(self.cpu)
        _check_quantity("memory", self.memory, pair_ok=True)
        _check_quantity("disk", self.disk, pair_ok=False)
        _check_quantity("shm", self.shm, pair_ok=False)
        if self.gpu is not None:
            self.get_device()  # validates the spelling early, where the field is still known

    def get_device(self) -> Optional[Device]:
        """The accelerator this asks for, parsed from `gpu`."""
        gpu = self.gpu
        if gpu is None:
            return None
        if isinstance(gpu, Device):
            return gpu
        if isinstance(gpu, bool) or not isinstance(gpu, (int, str)):
            raise ValueError(f"gpu must be an int, a 'TYPE:COUNT' string or a Device, got {gpu!r}")
        if isinstance(gpu, int):
            if gpu < 0:
                raise ValueError("gpu count must be greater than or equal to 0")
            return Device(quantity=gpu, device_class="GPU") if gpu else None
        if gpu in ("AppleSilicon", "AppleSilicon:1"):
            return APPLE_SILICON()
        kind, sep, count = gpu.rpartition(":")
        if not sep or not count.isdigit():
            raise ValueError(f"gpu must look like 'T4:1' or 'A100:2', got {gpu!r}")
        quantity = int(count)
        for device_class, types in (
            ("GPU", _GPU_TYPES), ("TPU", _TPU_TYPES), ("NEURON", _NEURON_TYPES),
            ("AMD_GPU", _AMD_TYPES), ("HABANA_GAUDI", _GAUDI_TYPES),
        ):
            if kind in types:
                return Device(quantity=quantity, device_class=device_class, device=kind)  # type: ignore[arg-type]
        raise ValueError(f"Unknown accelerator {kind!r} in gpu={gpu!r}")

    def get_shared_memory(self) -> Optional[str]:
        return self.shm
