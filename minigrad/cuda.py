"""``minigrad.cuda``: what torch's CUDA module answers on a machine without CUDA, so device-picking code runs;
``cuda.amp.GradScaler`` is ``minigrad.amp.GradScaler`` for ``"cuda"``, which disables itself (as torch's here)."""

from types import SimpleNamespace

from .amp.grad_scaler import CudaGradScaler

__all__ = [
    "amp",
    "is_available",
    "device_count",
    "manual_seed",
    "manual_seed_all",
    "empty_cache",
    "is_bf16_supported",
]

amp = SimpleNamespace(GradScaler=CudaGradScaler)  # torch.cuda.amp.GradScaler(enabled=...), as GPU scripts write it


def is_available():
    """False: minigrad computes on the CPU."""
    return False


def device_count():
    return 0


def manual_seed(seed):
    """A no-op, as torch's without CUDA (seed the CPU generator with ``minigrad.manual_seed``)."""


def manual_seed_all(seed):
    """A no-op, as torch's without CUDA."""


def empty_cache():
    """A no-op: there is no device memory to release."""


def is_bf16_supported():
    return False
