"""What a layer's ``device=`` and ``dtype=`` constructor arguments mean on a CPU-only library."""

import numpy as np

from ... import _dtype
from .. import init
from ..parameter import Parameter


def parameter_dtype(device=None, dtype=None):
    """The NumPy dtype new parameters and float buffers take: ``dtype``, else the default dtype. Any device other
    than the CPU raises (as torch does for a device it does not have)."""
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"minigrad runs on the CPU only; got device {device!r}")
    return np.dtype(_dtype.as_numpy_dtype(dtype)) if dtype is not None else _dtype.get_default_dtype().numpy


def register_affine(module, shape, np_dtype, affine=True, bias=True):
    """Give a normalisation layer its ``weight`` and ``bias`` parameters of ``shape`` (None when not ``affine``; the
    bias None also when not ``bias``); ``reset_affine`` fills them."""
    module.register_parameter("weight", Parameter(np.empty(shape, dtype=np_dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.empty(shape, dtype=np_dtype)) if affine and bias else None)


def reset_affine(module):
    """A normalisation layer's initial affine map, the identity: weight ones, bias zeros."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)
