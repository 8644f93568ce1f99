"""GPU and TPU accelerator constants for `@task(accelerator=...)`."""

from __future__ import annotations

from typing import Optional


class BaseAccelerator:
    def __init__(self, device: str):
        self._device = device

    @property
    def device(self) -> str:
        return self._device

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._device!r})"


class GPUAccelerator(BaseAccelerator):
    pass


class MultiInstanceGPUAccelerator(BaseAccelerator):
    """A GPU that can be split into MIG partitions (`A100.partition_2g_10gb`)."""

    _partitions: tuple = ()

    def __init__(self, device: str, partition_size: Optional[str] = None):
        super().__init__(device)
        self._partition_size = partition_size

    @property
    def partition_size(self) -> Optional[str]:
        return self._partition_size

    def unpartitioned(self) -> MultiInstanceGPUAccelerator:
        return type(self)(self._device, None)

    def __getattr__(self, name: str) -> MultiInstanceGPUAccelerator:
        if name.startswith("partition_"):
            size = name[len("partition_"):].replace("_", ".", 1) if "g_" in name else name[len("partition_"):]
            if self._partitions and size not in self._partitions:
                raise AttributeError(f"{self._device} has no partition {size!r}; it has {self._partitions}")
            return type(self)(self._device, size)
        raise AttributeError(name)


class _A100(MultiInstanceGPUAccelerator):
    _partitions = ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb")


class _A100_80GB(MultiInstanceGPUAccelerator):
    _partitions = ("1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb")


class _TPU(MultiInstanceGPUAccelerator):
    def __getattr__(self, name: str) -> MultiInstanceGPUAccelerator:
        if name.startswith("slice_"):
            return type(self)(self._device, name[len("slice_"):])
        raise AttributeError(name)


A10G = GPUAccelerator("nvidia-a10g")
L4 = GPUAccelerator("nvidia-l4")
L4_VWS = GPUAccelerator("nvidia-l4-vws")
L40S = GPUAccelerator("nvidia-l40s")
K80 = GPUAccelerator("nvidia-tesla-k80")
M60 = GPUAccelerator("nvidia-tesla-m60")
P4 = GPUAccelerator("nvidia-tesla-p4")
P100 = GPUAccelerator("nvidia-tesla-p100")
T4 = GPUAccelerator("nvidia-tesla-t4")
V100 = GPUAccelerator("nvidia-tesla-v100")
H100 = GPUAccelerator("nvidia-h100")
H200 = GPUAccelerator("nvidia-h200")
RTX_PRO_6000 = GPUAccelerator("nvidia-rtx-pro-6000")
A100 = _A100("nvidia-tesla-a100")
A100_80GB = _A100_80GB("nvidia-a100-80gb")
V5E = _TPU("tpu-v5-lite-podslice")
V5P = _TPU("tpu-v5p-slice")
V6E = _TPU("tpu-v6e-slice")
