"""Small helpers shared by the op modules: operand conversion, dtype promotion, un-broadcasting."""

import numpy as np

from .. import _dtype
from ..autograd.tensor import Tensor


def is_tensor(value):
    return isinstance(value, Tensor)


def data_of(value):
    """The NumPy array behind a Tensor, or the value itself (a constant operand)."""
    return value._data if isinstance(value, Tensor) else value


def wrap(array):
    """A Tensor around ``array`` that is not part of any graph (a constant inside a backward formula)."""
    return Tensor._wrap(np.asarray(array))


def _read_only(value, dtype):
    array = np.full((), value, dtype)
    array.flags.writeable = False
    return array


# 0 and 1 of the common float dtypes as 0-d arrays: NumPy 2 takes a 0-d array operand (in a ufunc, in np.where) ~0.5 µs
# faster than a Python or NumPy scalar, whose conversion it pays on every call
_ZERO_ONE = {np.dtype(t): (_read_only(0, t), _read_only(1, t)) for t in (np.float32, np.float64)}


def zero_one(value, dtype):
    """``value`` (0 or 1) as an operand of ``dtype`` for NumPy: a shared read-only 0-d array for float32 and
    float64 (cheaper in a ufunc than a scalar), else a NumPy scalar."""
    pair = _ZERO_ONE.get(dtype)
    return dtype.type(value) if pair is None else pair[value]


def broadcast_array(array, shape):
    """``np.broadcast_to(array, shape)`` (a read-only view) for an ``array`` with ``len(shape)`` dims, each 1 or
    ``shape``'s: built straight from the strides, without NumPy's Python-level argument handling (3.5 -> 0.5 µs,
    paid by every reduction's backward)."""
    if not array.flags.c_contiguous:  # a buffer must be contiguous
        return np.broadcast_to(array, shape)
    view = np.ndarray(shape, array.dtype, array, 0, [0 if n == 1 else s for n, s in zip(array.shape, array.strides)])
    view.flags.writeable = False
    return view


def sum_to_array(array, shape):
    """Undo broadcasting on an array: ``array`` summed over the axes that broadcasting ``shape`` to
    ``array.shape`` added or stretched (``array`` itself when the shapes agree). The NumPy form of
    ``shape.sum_to``, for first-order backwards (``backward_arrays``)."""
    if array.shape == shape:
        return array
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and array.shape[i + lead] != 1)
    return (array.sum(axis=axes, keepdims=True) if axes else array).reshape(shape)


def as_operand(value, np_dtype):
    """Cast a Tensor (differentiably), array or Python scalar to ``np_dtype``."""
    if isinstance(value, Tensor):
        return value if value._data.dtype == np_dtype else value.to(np_dtype)
    if isinstance(value, np.ndarray):
        return value.astype(np_dtype, copy=False)
    try:
        return np_dtype.type(value)
    except OverflowError:  # a Python int beyond an integer dtype wraps around, as in torch (uint8 - 3 is + 253)
        return np.array(value, np.int64).astype(np_dtype)[()]


_NUMBERS = (float, int, np.float32, np.float64)


def promote(a, b):
    """Bring two operands to the dtype torch's promotion rules give them (see ``minigrad._dtype``)."""
    if type(a) is Tensor:  # the common cases, fast: same-dtype tensors, a float tensor and a Python number
        if type(b) is Tensor:
            if a._data.dtype == b._data.dtype:
                return a, b
        elif type(b) in _NUMBERS and a._data.dtype.kind == "f":
            return a, a._data.dtype.type(b)
    elif type(b) is Tensor and type(a) in _NUMBERS and b._data.dtype.kind == "f":
        return b._data.dtype.type(a), b
    a_data, b_data = data_of(a), data_of(b)
    if isinstance(a_data, np.ndarray) and isinstance(b_data, np.ndarray) and a_data.dtype == b_data.dtype:
        return a, b
    if not isinstance(a_data, (np.ndarray, int, float, bool, np.generic)) or not isinstance(
        b_data, (np.ndarray, int, float, bool, np.generic)
    ):
        bad = b_data if isinstance(a_data, (np.ndarray, int, float, bool, np.generic)) else a_data
        raise TypeError(f"unsupported operand type for a tensor operation: {type(bad).__name__}")
    target = _dtype.result_type(
        a_data if isinstance(a_data, np.ndarray) else a_data, b_data if isinstance(b_data, np.ndarray) else b_data
    )
    return as_operand(a, target), as_operand(b, target)


def float_operand(x):
    """Integer and bool tensors become float32 for ops that only make sense on floats (exp, log, /, ...)."""
    if x._data.dtype.kind in "fc":
        return x
    return x.to(np.dtype(np.float32))


def promote_float(a, b):
    """``promote``, then an integer or bool result type becomes float32, as torch does for ops only defined on
    floats (atan2, xlogy, xlog1py, ...). At least one of them must be a tensor, as in torch."""
    if not (is_tensor(a) or is_tensor(b)):
        raise TypeError(f"expected a tensor for `input` or `other`, got {type(a).__name__} and {type(b).__name__}")
    a, b = promote(a, b)
    if np.asarray(data_of(a)).dtype.kind in "fc":
        return a, b
    float32 = np.dtype(np.float32)
    return as_operand(a, float32), as_operand(b, float32)
