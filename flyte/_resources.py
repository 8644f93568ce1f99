"""Compute resources a task asks for: kept on the task, shown in the store, not enforced locally."""

from __future__ import annotations

import logging
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
_TPU_2D = ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16")
_TPU_PARTITIONS = {
    "V5E": _TPU_2D,
    "V6E": _TPU_2D,
    "V5P": ("2x2x1", "2x2x2", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16", "8x16x16", "16x16x16", "16x16x24"),
}
# Space-separated names the SDK accepted before; still taken, with a warning, as the SDK does.
_DEPRECATED_GPU_NAMES = {"A100 80G": "A100_80G", "RTX PRO 6000": "RTX_PRO_6000"}

# The accelerator strings `Resources(gpu=...)` takes: a device and the counts a node offers.
_UP_TO_8 = tuple(range(1, 9))
_ACCELERATOR_COUNTS: dict[str, tuple[int, ...]] = {
    "A2": (1,), "A10": _UP_TO_8, "A10G": _UP_TO_8, "A100": _UP_TO_8, "A100_80G": _UP_TO_8, "B200": _UP_TO_8,
    "H100": _UP_TO_8, "H200": _UP_TO_8, "L4": _UP_TO_8, "L40s": _UP_TO_8, "V100": _UP_TO_8,
    "RTX_PRO_4500": (1,), "RTX_PRO_6000": (1, 2), "GB10": (1,), "T4": _UP_TO_8,
    "T4 shared": (1,), "L4 shared": (1,), "A10G shared": (1,), "A10 shared": (1,), "L40S shared": (1,),
    "Trn1": (1, 4, 8, 16), "Trn1n": (1, 4, 8, 16), "Trn2": (1, 4, 8, 16), "Trn2u": (1, 4, 8, 16),
    "Inf1": tuple(range(1, 17)), "Inf2": tuple(range(1, 13)),
    **dict.fromkeys(_AMD_TYPES, (1,)), "Gaudi1": (1,),
}
_ACCELERATORS: tuple[str, ...] = (
    *(f"{device}:{n}" for device, counts in _ACCELERATOR_COUNTS.items() for n in counts), "AppleSilicon", "AppleSilicon:1",
)
Accelerators = Literal[_ACCELERATORS]  # type: ignore[valid-type]
"""Every accepted `gpu=` string, e.g. "T4:1", "A100:8", "Trn1:16", "AppleSilicon"."""

_CLASS_OF_DEVICE: dict[str, str] = {
    **dict.fromkeys(_GPU_TYPES, "GPU"), **dict.fromkeys(_TPU_TYPES, "TPU"), **dict.fromkeys(_NEURON_TYPES, "NEURON"),
    **dict.fromkeys(_AMD_TYPES, "AMD_GPU"), **dict.fromkeys(_GAUDI_TYPES, "HABANA_GAUDI"),
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
    device = _current_gpu_name(device)
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
    """A Cloud TPU, optionally a slice topology of it (e.g. "2x2" on V5E, "2x2x1" on V5P)."""
    if device not in _TPU_TYPES:
        raise ValueError(f"Invalid TPU type: {device}. Must be one of {_TPU_TYPES}")
    if partition is not None and partition not in _TPU_PARTITIONS[device]:
        raise ValueError(f"Invalid partition for {device}: {partition}. Must be one of {_TPU_PARTITIONS[device]}")
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


def _current_gpu_name(device: str) -> str:
    current = _DEPRECATED_GPU_NAMES.get(device)
    if current is None:
        return device
    logging.getLogger("flyte").warning("GPU type '%s' is deprecated, use '%s' instead.", device, current)
    return current


def _check_cpu(value: object, pair_ok: bool = True) -> None:
    if value is None:
        return
    if pair_ok and isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError("cpu tuple must have exactly two elements")
        if any(v is None for v in value):
            raise ValueError("cpu pair elements must both be set, got None")
        for v in value:
            _check_cpu(v, pair_ok=False)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(
            "cpu must be a core count or a Kubernetes quantity string such as 1, 0.5 or '100m', "
            f"got {type(value).__name__}: {value!r}"
        )
    if isinstance(value, (int, float)) and value < 0:
        raise ValueError("cpu must be greater than or equal to 0")


def _check_quantity(name: str, value: object, pair_ok: bool) -> None:
    """A Kubernetes quantity string: a number here would mean bytes, not what was meant."""
    if value is None:
        return
    if pair_ok and isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} tuple must have exactly two elements")
        if any(v is None for v in value):
            raise ValueError(f"{name} pair elements must both be set, got None")
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
        gpu = self.gpu
        if gpu is None or isinstance(gpu, Device):
            return
        if isinstance(gpu, bool) or not isinstance(gpu, (int, str)):
            raise ValueError(
                "gpu must be an accelerator string such as 'A100:4', a device count, or a "
                f"GPU()/TPU()/Device() instance, got {type(gpu).__name__}: {gpu!r}"
            )
        if isinstance(gpu, int):
            if gpu < 0:
                raise ValueError("gpu must be greater than or equal to 0")
            return
        device, sep, count = gpu.partition(":")
        if device in _DEPRECATED_GPU_NAMES:
            gpu = self.gpu = f"{_current_gpu_name(device)}{sep}{count}"
        if gpu not in _ACCELERATORS:
            raise ValueError(f"gpu must be one of {Accelerators}, got {gpu}")

    def get_device(self) -> Optional[Device]:
        """The accelerator this asks for (None for no gpu or `gpu=0`)."""
        gpu = self.gpu
        if gpu is None or isinstance(gpu, Device):
            return gpu
        if isinstance(gpu, int):
            return Device(quantity=gpu, device_class="GPU") if gpu else None
        device, _, count = gpu.partition(":")
        if device == "AppleSilicon":
            return APPLE_SILICON()
        return Device(quantity=int(count), device_class=_CLASS_OF_DEVICE[device], device=device)  # type: ignore[arg-type]

    def get_shared_memory(self) -> Optional[str]:
        """The `/dev/shm` size to ask for: "" for "auto" (as large as the node allows)."""
        return "" if self.shm == "auto" else self.shm
