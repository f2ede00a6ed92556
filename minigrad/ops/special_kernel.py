"""The bridge to the compiled special functions (``minigrad._kernels.special_functions``): broadcast the operands,
lay them out flat and C-contiguous, allocate the result and call the kernel.

The kernels compute in double whatever the dtype; they take float32 and float64 arrays, so a float16 operand runs
in float32 and its result is rounded back.
"""

import numpy as np

from .._kernels import special_functions as _kernel
from .._threads import get_num_threads

UNARY = frozenset(_kernel.UNARY)
BINARY = frozenset(_kernel.BINARY)


def _run(call, arrays):
    """``call(*flat_arrays, out, num_threads)`` over ``arrays`` broadcast together (one float dtype); the result
    array in that dtype and the broadcast shape."""
    arrays = np.broadcast_arrays(*arrays)
    dtype = arrays[0].dtype
    work = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)
    flat = [np.ascontiguousarray(a, dtype=work).reshape(-1) for a in arrays]
    out = np.empty(flat[0].size, dtype=work)
    call(*flat, out, get_num_threads())
    return out.reshape(arrays[0].shape).astype(dtype, copy=False)


def lgamma(x):
    """``log|Γ(x)|`` of a float array."""
    return _run(_kernel.lgamma, [x])


def digamma(x):
    """``ψ(x)`` of a float array."""
    return _run(_kernel.digamma, [x])


def polygamma(n, x):
    """``ψ⁽ⁿ⁾(x)`` of a float array, ``n ≥ 0`` an int."""
    return _run(lambda *arrays: _kernel.polygamma(n, *arrays), [x])


def unary(name, x):
    """The kernel's one-argument function ``name`` (one of ``UNARY``) of a float array."""
    return _run(lambda *arrays: _kernel.unary(name, *arrays), [x])


def binary(name, x, y):
    """The kernel's two-argument function ``name`` (one of ``BINARY``) of two float arrays of one dtype,
    broadcast together."""
    return _run(lambda *arrays: _kernel.binary(name, *arrays), [x, y])
