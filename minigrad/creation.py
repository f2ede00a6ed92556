"""Factories: tensors filled with constants, ranges, identity matrices and random numbers.

Sizes may be given as separate ints or one tuple (``zeros(2, 3)`` or ``zeros((2, 3))``). Floating results
default to ``get_default_dtype()`` (float32); integer ones (``arange`` of ints, ``randint``, ``randperm``) to int64,
as in torch.
"""

import math
from collections.abc import Sequence
from typing import Any, Optional, Union

import numpy as np

from . import _device, _dtype
from .autograd.tensor import Tensor
from .random import generator as _generator

_Size = Union[int, Sequence[int]]  # torch's size arguments: ints, or one sequence of them
_Dtype = Optional[_dtype.dtype]

__all__ = [
    "zeros",
    "ones",
    "full",
    "empty",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "randperm",
    "multinomial",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "from_numpy",
    "from_dlpack",
    "as_tensor",
    "logspace",
    "scalar_tensor",
    "empty_strided",
    "empty_permuted",
]


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    return size


def _make(array, dtype, requires_grad, device=None):
    _device.check(device)
    if dtype is not None:
        array = array.astype(_dtype.as_numpy_dtype(dtype), copy=False)
    result = Tensor._wrap(array)
    return result.requires_grad_(True) if requires_grad else result


def _float(dtype):
    return _dtype.as_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().numpy


def zeros(*size: _Size, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of shape ``size`` (ints or one tuple) filled with 0, of ``dtype`` (default: the default dtype);
    ``requires_grad`` makes it a leaf that records its gradient.

    >>> minigrad.zeros(2, 3).shape
    (2, 3)
    """
    return _make(np.zeros(_size(size), _float(dtype)), None, requires_grad, device)


def ones(*size: _Size, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of shape ``size`` (ints or one tuple) filled with 1, of ``dtype`` (default: the default dtype);
    ``requires_grad`` makes it a leaf that records its gradient.

    >>> minigrad.ones(2, 3).shape
    (2, 3)
    """
    return _make(np.ones(_size(size), _float(dtype)), None, requires_grad, device)


def empty(*size: _Size, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of shape ``size`` whose values are unspecified (here: zeros, never uninitialised memory), of
    ``dtype``.

    >>> minigrad.empty(2, 3).shape
    (2, 3)
    """
    return _make(np.zeros(_size(size), _float(dtype)), None, requires_grad, device)  # zeroed: no uninitialised memory


_C_TYPE_NAMES = {
    "int64": "int64_t",
    "int32": "int",
    "int16": "short",
    "int8": "signed char",
    "uint8": "uint8_t",
    "float32": "float",
    "float64": "double",
}


def _overflows(value, np_dtype):
    """torch's check before filling: a float that is not finite or out of range for an integer dtype, an integer
    above the dtype's maximum (negative ones wrap for unsigned types), a finite float beyond float32's range."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if np_dtype.kind in "iu":
        limits = np.iinfo(np_dtype)
        if isinstance(value, (float, np.floating)):
            return not np.isfinite(value) or not limits.min <= value <= limits.max
        return value > limits.max or (np_dtype.kind == "i" and value < limits.min)
    return np_dtype == np.float32 and np.isfinite(value) and abs(value) > float(np.finfo(np.float32).max)


def _fill(shape, value, np_dtype):
    """``np.full`` with torch's conversions: an overflowing value raises (NumPy would give garbage or inf), a
    negative integer wraps into an unsigned dtype, a float truncates into an integer one."""
    if isinstance(value, Tensor):
        value = value.item()
    if _overflows(value, np_dtype):
        raise RuntimeError(
            f"value cannot be converted to type {_C_TYPE_NAMES.get(np_dtype.name, np_dtype.name)} without overflow"
        )
    with np.errstate(over="ignore"):  # float16 saturates to inf, as in torch
        return np.full(shape, np.asarray(value).astype(np_dtype), np_dtype)


def full(size: _Size, fill_value: Any, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of shape ``size`` (a tuple) filled with ``fill_value``; the dtype follows the value (bool, int64 or the
    default float dtype) unless ``dtype`` is given.

    >>> minigrad.full((2,), 7.0)
    tensor([7., 7.])
    """
    if dtype is None:
        dtype = _dtype.result_type(fill_value)
    return _make(_fill(_size((size,)), fill_value, _dtype.as_numpy_dtype(dtype)), None, requires_grad, device)


def arange(
    start: float,
    end: Optional[float] = None,
    step: float = 1,
    dtype: _Dtype = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``[start, start + step, ...)`` up to ``end``, like torch: int64 for integer arguments, else float32. An
    int64 ``dtype`` truncates the arguments first (``arange(1, 2.5, dtype=int64)`` is ``[1]``); the smaller integer
    dtypes count ``ceil((end - start) / step)`` elements from the untruncated arguments, as torch's kernel does,
    and step by the truncated ``step`` from the truncated ``start`` (``arange(1, 2.5, dtype=int8)`` is ``[1, 2]``,
    wrapping into the dtype). Floating values are computed in float64 and rounded once (so 1e8 + 3 and 0.1 come out
    exact where float32 steps would not). A non-finite bound raises RuntimeError, as in torch.

    >>> minigrad.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> minigrad.arange(0.0, 1.0, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    integral = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
    target = _dtype.as_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64) if integral else _float(None)
    if not all(np.isfinite(float(v)) for v in values[:2]):
        raise RuntimeError(f"unsupported range: {float(values[0]):g} -> {float(values[1]):g}")
    if target == np.int64:
        values = [int(v) for v in values]
    if values[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (values[1] - values[0]) * values[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if target.kind in "iu" and target != np.int64:  # torch counts these in double, steps in int64, then wraps
        count = math.ceil((values[1] - values[0]) / values[2])
        steps = int(values[0]) + int(values[2]) * np.arange(count, dtype=np.int64)
        return _make(_wrap_into(steps, target), None, requires_grad, device)
    array = np.arange(*values, dtype=np.int64 if target.kind in "biu" else np.float64)
    return _make(array.astype(target), None, requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive: ``start + i·(end - start)/(steps - 1)``
    (``start``/``end`` numbers or 0-d tensors), computed in float64 and rounded once to ``dtype``. For an integer
    ``dtype`` torch first converts ``start`` and ``end`` to it (truncating: ``linspace(4.3, 0, 50, dtype=int64)``
    is ``[4, 3, 3, ...]``) and truncates each value; so does minigrad.

    >>> minigrad.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    start, end = _space_bounds(start, end, steps, "linspace")
    target = _float(dtype)
    if target.kind in "iu" and steps == 1:  # torch fills the one value start
        return _make(_fill((1,), start, target), None, requires_grad, device)
    if target.kind in "iu" and steps > 1:
        values = _wrap_into(np.trunc(_integer_steps(start, end, int(steps), target)), target)
        return _make(values, None, requires_grad, device)
    return _make(np.linspace(start, end, int(steps)).astype(target), None, requires_grad, device)


def _space_bounds(start, end, steps, name):
    """torch's checks of linspace's and logspace's arguments; ``start`` and ``end`` as Python floats."""
    if isinstance(steps, (float, np.floating, Tensor)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got steps of type {type(steps)}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    bounds = []
    for bound in (start, end):
        if isinstance(bound, Tensor):
            if bound.ndim:
                raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got a tensor")
            bound = bound.item()
        bounds.append(float(bound))
    return bounds


def _integer_steps(start, end, steps, target):
    """The float64 points of torch's integer linspace and logspace: ``start`` and ``end`` converted to ``target``
    first (an overflow raises), then stepped from the nearer end (``end - step · (steps - 1 - i)`` for the second
    half, so the last point is exactly ``end``)."""
    for bound in (start, end):
        if _overflows(bound, target):
            raise RuntimeError(
                f"value cannot be converted to type {_C_TYPE_NAMES.get(target.name, target.name)} without overflow"
            )
    first, last = (int(np.asarray(np.trunc(b), np.int64).astype(target)) for b in (start, end))
    step = (last - first) / (steps - 1)
    i = np.arange(steps)
    return np.where(i < steps // 2, first + step * i, last - step * (steps - 1 - i))


def _wrap_into(values, target):
    """Whole float64 (or int64) ``values`` as ``target`` integers, wrapping what overflows it (as torch's C++ casts
    do)."""
    with np.errstate(invalid="ignore"):
        return values.astype(np.int64).astype(target)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    """The ``n × m`` identity (``m = n`` by default): ones on the diagonal, zeros elsewhere.

    >>> minigrad.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {size}")
    return _make(np.eye(n, m, dtype=_float(dtype)), None, requires_grad, device)


def rand(
    *size: _Size, dtype: _Dtype = None, requires_grad: bool = False, generator: Any = None, device: Any = None
) -> Tensor:
    """Uniform samples from [0, 1).

    >>> minigrad.rand(2, 3).shape
    (2, 3)
    """
    return _make(_generator(generator).random(_size(size)).astype(_float(dtype)), None, requires_grad, device)


def randn(
    *size: _Size, dtype: _Dtype = None, requires_grad: bool = False, generator: Any = None, device: Any = None
) -> Tensor:
    """Standard normal samples.

    >>> minigrad.randn(2, 3).shape
    (2, 3)
    """
    return _make(_generator(generator).standard_normal(_size(size)).astype(_float(dtype)), None, requires_grad, device)


def randint(
    low: Any = None,
    high: Any = None,
    size: Any = None,
    dtype: _Dtype = None,
    generator: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``, in torch's call forms: ``randint(low, high, size)``,
    ``randint(high, size)``, ``randint(high, size=size)`` and ``randint(high=high, size=size)`` (``low = 0``).

    >>> minigrad.randint(0, 10, (4,)).shape, minigrad.randint(10, size=(2,)).shape
    ((4,), (2,))
    """
    if size is None:  # randint(high, size): the second positional is the size
        low, high, size = 0, low, high
    if high is None:  # randint(high, size=...): the one positional bound is the upper one
        low, high = 0, low
    if low is None:  # randint(high=..., size=...)
        low = 0
    if size is None or high is None:
        raise TypeError(f"randint() missing required argument '{'size' if high is not None else 'high'}'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    array = _generator(generator).integers(low, high, _size((size,)), dtype=np.int64)
    return _make(array, dtype, requires_grad, device)


def randperm(n, dtype=None, generator=None, requires_grad=False, device=None):
    """A random permutation of ``0 .. n-1``.

    >>> sorted(minigrad.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    return _make(_generator(generator).permutation(int(n)).astype(np.int64), dtype, requires_grad, device)


def multinomial(input, num_samples, replacement=False, generator=None):
    """Category indices drawn from the distributions in ``input``'s rows: int64 of shape ``(num_samples,)`` for a
    1-D ``input`` of ``C`` weights, ``(N, num_samples)`` for a 2-D ``(N, C)`` one.

    Weights must be finite and non-negative with a positive sum per row; they need not sum to 1 (category ``c`` is
    drawn with probability ``w_c / Σ w``). With ``replacement`` every draw is independent (inverse CDF of one uniform
    number). Without it a category is drawn at most once per row, each draw proportional to the weights left: the
    ``num_samples`` smallest of ``E_c / w_c`` (``E_c`` standard exponential) are exactly such a sequence of draws.
    Not differentiable (the result is integer).

    >>> minigrad.multinomial(minigrad.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    weights = np.asarray(input._data if isinstance(input, Tensor) else input)
    if weights.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: " + str(weights.dtype))
    weights = weights.astype(np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got input with {weights.ndim} dims")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample num_samples={num_samples} <= 0 samples")
    rows = weights.reshape(-1, weights.shape[-1])
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _generator(generator)
    if replacement:
        cdf = np.cumsum(rows / rows.sum(axis=1, keepdims=True), axis=1)
        draws = rng.random((len(rows), num_samples))
        samples = np.stack(
            [np.searchsorted(row_cdf, row_draws, side="right") for row_cdf, row_draws in zip(cdf, draws)]
        )
        # rounding can leave the last cumulative weight a hair under 1; clamp to the last category with weight
        samples = np.minimum(samples, rows.shape[1] - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)[:, None])
    else:
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows  # weight 0 -> inf: drawn only after every other
        samples = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._wrap(samples.astype(np.int64).reshape(weights.shape[:-1] + (num_samples,)))


def _like(fill, other, dtype, requires_grad, device):
    array = fill(other.shape, _dtype.as_numpy_dtype(dtype) if dtype is not None else other._data.dtype)
    return _make(array, None, requires_grad, device)


def zeros_like(other: Tensor, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ``other``'s shape (and dtype, unless ``dtype`` is given) filled with zeros.

    >>> minigrad.zeros_like(minigrad.ones(2, 3)).shape
    (2, 3)
    """
    return _like(np.zeros, other, dtype, requires_grad, device)


def ones_like(other: Tensor, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ``other``'s shape (and dtype, unless ``dtype`` is given) filled with ones.

    >>> minigrad.ones_like(minigrad.zeros(2))
    tensor([1., 1.])
    """
    return _like(np.ones, other, dtype, requires_grad, device)


def empty_like(other: Tensor, dtype: _Dtype = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ``other``'s shape (and dtype, unless ``dtype`` is given) filled with unspecified values (zeros).

    >>> minigrad.empty_like(minigrad.ones(2, dtype=minigrad.int64)).dtype
    minigrad.int64
    """
    return _like(np.zeros, other, dtype, requires_grad, device)


def full_like(other, fill_value, dtype=None, requires_grad=False, device=None):
    """A tensor of ``other``'s shape (and dtype, unless ``dtype`` is given) filled with ``fill_value``.

    >>> minigrad.full_like(minigrad.zeros(2), 3.0)
    tensor([3., 3.])
    """
    return _like(lambda shape, d: _fill(shape, fill_value, d), other, dtype, requires_grad, device)


def rand_like(other, dtype=None, requires_grad=False, generator=None, device=None):
    """A tensor of ``other``'s shape and dtype with values drawn uniformly from ``[0, 1)`` (from ``generator`` or the
    global one).

    >>> minigrad.rand_like(minigrad.zeros(2, 3)).shape
    (2, 3)
    """
    return rand(
        *other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad, generator=generator, device=device
    )


def randn_like(other, dtype=None, requires_grad=False, generator=None, device=None):
    """A tensor of ``other``'s shape and dtype with values drawn from the standard normal distribution.

    >>> minigrad.randn_like(minigrad.zeros(2, dtype=minigrad.float64)).dtype
    minigrad.float64
    """
    return randn(
        *other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad, generator=generator, device=device
    )


def randint_like(other, low, high=None, dtype=None, generator=None, device=None):
    """Integers from ``[low, high)`` shaped like ``other``; ``randint_like(other, high)`` means ``low = 0``.

    >>> minigrad.randint_like(minigrad.zeros(4), 1, 2)
    tensor([1., 1., 1., 1.])
    """
    if high is None:
        low, high = 0, low
    return randint(low, high, other.shape, dtype=dtype or other.dtype, generator=generator, device=device)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (like torch.from_numpy).

    >>> a = np.zeros(2)
    >>> t = minigrad.from_numpy(a)
    >>> t.add_(1)
    tensor([1., 1.], dtype=minigrad.float64)
    >>> a
    array([1., 1.])
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def from_dlpack(external):
    """A tensor sharing memory with ``external`` (a torch tensor, a NumPy array, anything with ``__dlpack__`` on
    the CPU), as ``torch.from_dlpack``.

    >>> a = np.arange(3.0)
    >>> t = minigrad.from_dlpack(a)
    >>> a[0] = 7.0  # the same memory
    >>> t
    tensor([7., 1., 2.], dtype=minigrad.float64)
    """
    return from_numpy(np.from_dlpack(external))


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory where it can (a Tensor or an array of the asked dtype).

    >>> minigrad.as_tensor([1, 2])
    tensor([1, 2])
    """
    _device.check(device)
    if isinstance(data, Tensor) and dtype is None:
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _dtype.as_numpy_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return Tensor._new(data, dtype)


def _new(fill, what):
    """A ``Tensor.new_*`` method: a tensor of ``size`` with ``self``'s dtype unless one is given."""

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return _make(
            fill(_size(size), _dtype.as_numpy_dtype(dtype) if dtype is not None else self._data.dtype),
            None,
            requires_grad,
            device,
        )

    method.__doc__ = (
        f"A tensor of ``size`` (ints or one tuple) filled with {what}, with ``self``'s dtype unless one is given."
    )
    return method


new_zeros = _new(np.zeros, "zeros")
new_ones = _new(np.ones, "ones")
new_empty = _new(np.zeros, "unspecified values (zeros: no uninitialised memory)")
new_zeros.__doc__ += "\n\n" + ">>> minigrad.tensor([1, 2]).new_zeros(2, 3)\ntensor([[0, 0, 0],\n        [0, 0, 0]])"
new_ones.__doc__ += "\n\n" + ">>> minigrad.tensor([1.5]).new_ones(2)\ntensor([1., 1.])"
new_empty.__doc__ += "\n\n" + ">>> minigrad.tensor([1.5]).new_empty(2, 3).shape\n(2, 3)"


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``Tensor.new_full``: a tensor of ``size`` filled with ``fill_value``, with ``self``'s dtype unless one is
    given.

    >>> minigrad.zeros(1).new_full((2,), 5.0)
    tensor([5., 5.])
    """
    return _make(
        _fill(_size((size,)), fill_value, _dtype.as_numpy_dtype(dtype) if dtype is not None else self._data.dtype),
        None,
        requires_grad,
        device,
    )


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """``Tensor.new_tensor``: a copy of ``data`` as a new leaf tensor, with ``self``'s dtype unless one is given.

    >>> minigrad.zeros(1).new_tensor([1, 2])
    tensor([1., 2.])
    """
    _device.check(device)
    return Tensor._new(data, dtype if dtype is not None else self.dtype, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, requires_grad=False, device=None, layout=None):
    """``steps`` values ``base ** e`` for exponents ``e`` evenly spaced from ``start`` to ``end`` inclusive
    (``start``/``end`` numbers or 0-d tensors), computed in float64 and rounded once to ``dtype``. For an integer
    ``dtype`` torch first converts ``start`` and ``end`` to it (truncating: ``logspace(4.3, 0, 2, dtype=int64)``
    starts at 10⁴) and truncates each power, wrapping what overflows the dtype; so does minigrad.

    >>> minigrad.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    bounds = _space_bounds(start, end, steps, "logspace")
    target = _float(dtype)
    if target.kind in "iu" and steps == 1:  # torch fills the one value base ** start, untruncated start
        return _make(_fill((1,), float(base) ** bounds[0], target), None, requires_grad, device)
    if target.kind in "iu" and steps > 1:
        with np.errstate(over="ignore"):
            powers = np.power(float(base), _integer_steps(*bounds, int(steps), target))
        return _make(_wrap_into(np.trunc(powers), target), None, requires_grad, device)
    values = np.power(float(base), np.linspace(*bounds, int(steps)))
    return _make(
        np.trunc(values).astype(target) if target.kind in "biu" else values.astype(target), None, requires_grad, device
    )


def scalar_tensor(s, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A 0-d tensor holding the number ``s``, float32 (the default float dtype) unless ``dtype`` is given.

    >>> minigrad.scalar_tensor(3)
    tensor(3.)
    """
    return _make(_fill((), s, _float(dtype)), None, requires_grad, device)


def empty_strided(size, stride, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of shape ``size`` laid out with element strides ``stride`` over a fresh buffer (values unspecified:
    zeros here), so its ``stride()`` is ``stride``.

    >>> minigrad.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size, stride = _size((size,)), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} vs {len(size)}")
    target = _float(dtype)
    span = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    buffer = np.zeros(span, dtype=target)
    array = np.lib.stride_tricks.as_strided(buffer, size, tuple(s * target.itemsize for s in stride))
    return _make(array, None, requires_grad, device)


def empty_permuted(size, physical_layout, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of shape ``size`` whose memory holds its dims in the order ``physical_layout`` (outermost first):
    ``empty(size permuted).permute(inverse)``. Values unspecified (zeros here).

    >>> minigrad.empty_permuted((2, 3), (1, 0)).stride()
    (1, 2)
    """
    size, order = _size((size,)), [int(d) for d in physical_layout]
    if len(order) != len(size):
        raise RuntimeError("Number of dimensions in size does not match the length of the physical_layout")
    if any(not 0 <= d < len(size) for d in order):
        raise RuntimeError("Dimension out of range")
    if len(set(order)) != len(order):
        raise RuntimeError("Duplicate dim not allowed")
    physical = np.zeros(tuple(size[d] for d in order), dtype=_float(dtype))
    return _make(np.transpose(physical, np.argsort(order)), None, requires_grad, device)


def new_empty_strided(self, size, stride, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """``Tensor.new_empty_strided``: ``empty_strided(size, stride)`` with ``self``'s dtype unless one is given.

    >>> minigrad.zeros(1, dtype=minigrad.int64).new_empty_strided((2,), (2,)).dtype
    minigrad.int64
    """
    return empty_strided(
        size, stride, dtype=self._data.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad
    )
