"""torch's ``out=`` argument: an op's result written into a tensor the caller gives.

``supports_out(op)`` adds the keyword to an op; an op on the small-op hot path (``cat``, ``where``, ``sigmoid``)
takes ``out`` itself and calls ``write_into``, which saves the wrapper's call. The rules are torch's: the result is
cast to ``out``'s dtype unless that would lower its category (a float result into an integer tensor); an ``out`` of
another shape is resized (with torch's warning unless it was empty); ``out=`` refuses to run under autograd when
an input or ``out`` requires grad; ``out`` is returned, its version bumped.
"""

import functools
import warnings

import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ..autograd.tensor import Tensor


def write_into(result, out):
    """Write the Tensor ``result`` into the Tensor ``out`` under torch's ``out=`` rules; returns ``out``."""
    if grad_mode.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            "functions with out=... arguments don't support automatic differentiation, but one of the arguments "
            "requires grad."
        )
    if not _dtype.can_cast(result._data.dtype, out._data.dtype):
        raise RuntimeError(
            f"result type {_dtype.torch_name(result._data.dtype)} can't be cast to the desired output type "
            f"{_dtype.torch_name(out._data.dtype)}"
        )
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
                f"not match the required output shape {list(result.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = np.empty(result.shape, out._data.dtype)
    out._data[...] = result._data
    out._shared_version_counter()[0] += 1
    return out


def supports_out(op):
    """``op`` with torch's keyword ``out``: a tensor (a tuple of them for a tuple result) to write the result
    into and return."""

    @functools.wraps(op)
    def with_out(*args, out=None, **kwargs):
        result = op(*args, **kwargs)
        if out is None:
            return result
        if isinstance(result, Tensor):
            if not isinstance(out, Tensor):
                raise TypeError(f"{op.__name__}(): argument 'out' must be Tensor, not {type(out).__name__}")
            return write_into(result, out)
        if len(out) != len(result):
            raise RuntimeError(f"{op.__name__}(): expected {len(result)} output tensors, got {len(out)}")
        return type(result)(*(write_into(r, o) for r, o in zip(result, out)))

    return with_out
