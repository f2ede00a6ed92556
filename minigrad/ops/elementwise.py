"""Elementwise operations: arithmetic, transcendental functions, comparisons.

Binary ops broadcast like torch and send each gradient through ``sum_to`` to undo the broadcast. Ops that are
only defined on floats (``exp``, ``/``, ...) turn integer tensors into float32 first, as torch does.
Where a backward needs the forward's result (``exp``, ``tanh``, ``sigmoid``, ``sqrt``), it reads ``self.output()``:
the saved array as a tensor of the graph, so under ``create_graph=True`` the second derivative sees the dependence.
"""

import builtins

import numpy as np

from .. import _device, _dtype
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import data_of, float_operand, is_tensor, promote, promote_float, sum_to_array, wrap
from .out import write_into
from .shape import expand, sum_to


# ----------------------------------------------------------------------------------------------- arithmetic
class Add(Function):
    """``a + b``; gradients ``g`` and ``g``."""

    keeps_inputs = False

    def forward(self, a, b):
        self.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))  # (np.shape: a Python function)
        return a + b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (sum_to(grad, self.shapes[0]) if need_a else None, sum_to(grad, self.shapes[1]) if need_b else None)

    def backward_arrays(self, grad):
        need_a, need_b = self.needs_input_grad
        shape_a, shape_b = self.shapes
        return (sum_to_array(grad, shape_a) if need_a else None, sum_to_array(grad, shape_b) if need_b else None)


class Sub(Function):
    """``a - b``; gradients ``g`` and ``-g``."""

    keeps_inputs = False

    def forward(self, a, b):
        self.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return a - b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (sum_to(grad, self.shapes[0]) if need_a else None, sum_to(-grad, self.shapes[1]) if need_b else None)

    def backward_arrays(self, grad):
        need_a, need_b = self.needs_input_grad
        shape_a, shape_b = self.shapes
        return (sum_to_array(grad, shape_a) if need_a else None, sum_to_array(-grad, shape_b) if need_b else None)


class Mul(Function):
    """``a * b``; gradients ``g * b`` and ``g * a``."""

    def forward(self, a, b):
        return a * b

    def inputs_read(self):  # each gradient reads the other input only
        return self.needs_input_grad[::-1]

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        return (
            sum_to(grad * b, np.shape(data_of(a))) if need_a else None,
            sum_to(grad * a, np.shape(data_of(b))) if need_b else None,
        )

    def backward_arrays(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad  # (an input that needs a gradient is a Tensor)
        a, b = data_of(a), data_of(b)
        return (
            sum_to_array(grad * b, a.shape) if need_a else None,
            sum_to_array(grad * a, b.shape) if need_b else None,
        )


class Div(Function):
    """``a / b``; gradients ``g / b`` and ``-g (a / b) / b`` (torch's order: ``a / b²`` would underflow b² first)."""

    def forward(self, a, b):
        return a / b

    def inputs_read(self):  # g / b reads b; the divisor's gradient reads both
        return self.needs_input_grad[1], True

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        return (
            sum_to(grad / b, np.shape(data_of(a))) if need_a else None,
            sum_to(-grad * ((a / b) / b), np.shape(data_of(b))) if need_b else None,
        )

    def backward_arrays(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        a, b = data_of(a), data_of(b)
        return (
            sum_to_array(grad / b, a.shape) if need_a else None,
            sum_to_array(_divisor_grad(grad, a, b), b.shape) if need_b else None,
        )


def _divisor_grad(grad, a, b):
    """``-grad·((a / b) / b)`` in torch's order, in one array: the quotient has the output's shape and dtype (as
    ``grad`` does), so the rest runs in place (three fewer temporaries of the output's size)."""
    result = np.true_divide(a, b)
    if type(result) is not np.ndarray or result.shape != np.shape(grad) or result.dtype != grad.dtype:
        return -grad * (result / b)
    np.true_divide(result, b, out=result)
    np.multiply(result, grad, out=result)
    return np.negative(result, out=result)


class Pow(Function):
    """``a ** b``; gradients ``g b a^(b-1)`` and ``g a^b log a`` (0 where a = 0 and b >= 0, like torch)."""

    def forward(self, base, exponent):
        if np.result_type(base, exponent).kind in "biu":
            return _integer_power(base, exponent)
        return base**exponent

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        grad_a = grad_b = None
        if need_a:  # b·a^(b-1), taken as 0 where b = 0 (0·0^-1 would be nan), like torch
            b_data = data_of(b)
            local = b * a ** (b - 1)
            if np.any(b_data == 0):
                local = where(np.broadcast_to(b_data == 0, local.shape), 0.0, local)
            grad_a = sum_to(grad * local, np.shape(data_of(a)))
        if need_b:  # a^b log a, taken as 0 where a = 0 and b >= 0 (0·(-inf)); for b < 0 it is inf·(-inf), as torch
            base = a if is_tensor(a) else wrap(a)
            with np.errstate(divide="ignore"):
                local = a**b * log(base)
            zero = (data_of(a) == 0) & (data_of(b) >= 0)
            if np.any(zero):
                local = where(np.broadcast_to(zero, local.shape), 0.0, local)
            grad_b = sum_to(grad * local, np.shape(data_of(b)))
        return grad_a, grad_b

    def backward_arrays(self, grad):
        a, b = self.inputs
        if not (is_tensor(a) and isinstance(b, (int, float, np.number)) and b != 0):  # (0: backward's zero rule)
            return tuple(None if g is None else g._data for g in self.backward(wrap(grad)))
        # backward's g·(b·a^(b-1)), in its order, in one new array; a square skips a^1 (= a exactly)
        local = a._data * b if b == 2 else a._data ** (b - 1) * b
        local *= grad
        return local, None


def _integer_power(base, exponent):
    """Integer ``base ** exponent`` as torch computes it: a negative exponent gives the truncated 1 / base^|b|,
    that is 1 for base 1, ±1 for base -1 (by the exponent's parity) and 0 for every other base, 0 included.
    NumPy refuses negative integer exponents outright."""
    negative = np.asarray(exponent) < 0
    if not negative.any():
        return base**exponent
    power = base ** np.where(negative, 0, exponent)
    truncated = np.where(base == 1, 1, np.where(base == -1, 1 - 2 * (exponent & 1), 0))
    return np.where(negative, truncated, power).astype(power.dtype, copy=False)


class Neg(Function):
    """``-x``; gradient ``-g``."""

    keeps_inputs = False

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad

    def backward_arrays(self, grad):
        return -grad


def _broadcasting(function_class, a, b):
    """Apply a binary op, turning NumPy's broadcast ValueError into torch's RuntimeError."""
    try:
        return function_class.apply(a, b)
    except ValueError:
        check_broadcast(a, b)
        raise


def check_broadcast(a, b):
    """Raise torch's RuntimeError if the shapes of ``a`` and ``b`` (tensors, arrays or numbers) do not broadcast."""
    shape_a, shape_b = np.shape(data_of(a)), np.shape(data_of(b))
    for dim in range(1, builtins.max(len(shape_a), len(shape_b)) + 1):
        size_a = shape_a[-dim] if dim <= len(shape_a) else 1
        size_b = shape_b[-dim] if dim <= len(shape_b) else 1
        if size_a != size_b and 1 not in (size_a, size_b):
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {builtins.max(len(shape_a), len(shape_b)) - dim}"
            )


def _promoted(function_class, a, b):
    """Apply a binary op to the operands promoted by torch's rules (``_broadcasting``'s error handling, inlined:
    every ``+``, ``-``, ``*``, ``/`` comes here, and a call frame is a tenth of a small op's forward)."""
    a, b = promote(a, b)
    try:
        return function_class.apply(a, b)
    except ValueError:
        check_broadcast(a, b)
        raise


def _scaled(function_class, a, b):
    """``a * b`` or ``a / b``. A float16 result with a scalar ``b`` (a Python number or a 0-d tensor) of another
    dtype is computed as torch computes it: in float32 with the scalar unrounded, rounding once at the end. Rounding
    the scalar to float16 first would make ``x / 1e-8`` nan at x = 0 (0 / 0) and ``1e-3 * 1e5`` inf (1e5
    overflows float16). torch does this for a second-operand multiplier or divisor only: +, -, pow and a scalar
    first operand round the scalar to float16 like any operand."""
    if type(a) is Tensor and a._data.dtype != _HALF:  # the common case, without _is_half's two calls
        return _promoted(function_class, a, b)
    if (
        _is_half(a)
        and np.ndim(data_of(b)) == 0
        and not _is_half(b)
        and _dtype.result_type(data_of(a), data_of(b)) == np.float16
    ):
        single = np.dtype(np.float32)
        wide_b = b.to(single) if is_tensor(b) else single.type(b)
        with np.errstate(over="ignore"):
            return _broadcasting(function_class, a.to(single), wide_b).to(np.dtype(np.float16))
    return _promoted(function_class, a, b)


_HALF = np.dtype(np.float16)


def _is_half(value):
    return getattr(data_of(value), "dtype", None) == np.float16


def add(a, b):
    """``a + b`` elementwise, broadcasting the shapes (a Python number is a 0-d tensor).

    Gradient: ``∂a = g``, ``∂b = g``, each summed over the dims it was broadcast along.

    >>> minigrad.add(minigrad.tensor([1.0, 2.0]), 10)
    tensor([11., 12.])
    """
    return _promoted(Add, a, b)


def _is_bool(value):
    return isinstance(value, (bool, np.bool_)) or getattr(data_of(value), "dtype", None) == np.bool_


def sub(a, b):
    """``a - b`` elementwise, broadcasting. Gradient: ``∂a = g``, ``∂b = -g`` (summed over broadcast dims).

    >>> minigrad.sub(minigrad.tensor([3.0, 5.0]), 1)
    tensor([2., 4.])
    """
    if _is_bool(a) or _is_bool(b):  # torch refuses rather than guess between xor and a numeric difference
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead."
            )
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return _promoted(Sub, a, b)


def mul(a, b):
    """``a · b`` elementwise, broadcasting. Gradient: ``∂a = g·b``, ``∂b = g·a`` (summed over broadcast dims).

    >>> minigrad.mul(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0]))
    tensor([3., 8.])
    """
    return _scaled(Mul, a, b)


def div(a, b, rounding_mode=None):
    """``a / b`` (true division: integers give the default float dtype), or with ``rounding_mode`` 'trunc' or
    'floor' the rounded quotient (integers stay integers, gradient 0).

    Gradient of true division: ``g / b`` to ``a``, ``-g a / b²`` to ``b`` (each summed over its broadcast dims).

    >>> minigrad.div(minigrad.tensor([3.0, -3.0]), 2)
    tensor([ 1.5000, -1.5000])
    >>> minigrad.div(minigrad.tensor([3.0, -3.0]), 2, rounding_mode='floor')
    tensor([ 1., -2.])
    """
    if rounding_mode is not None:
        return _rounded_division(a, b, rounding_mode)
    if not (_is_floating(a) or _is_floating(b)):  # true division of integers gives the default float dtype
        a = _to_float(a)
    return _scaled(Div, a, b)


def _is_floating(value):
    return isinstance(value, float) or getattr(data_of(value), "dtype", np.dtype(np.int64)).kind in "fc"


def _to_float(value):
    return float_operand(value) if is_tensor(value) else np.asarray(value, dtype=np.float32)


def pow(a, b):
    """``a ** b`` elementwise, broadcasting. Gradient: ``∂a = g·b·a^(b-1)``, ``∂b = g·a^b·ln a`` (0 where ``a = 0``).

    >>> minigrad.pow(minigrad.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if (
        is_tensor(a)
        and isinstance(b, (int, np.integer))
        and not isinstance(b, bool)
        and b < 0
        and a._data.dtype.kind in "biu"
    ):
        raise RuntimeError("Integers to negative integer powers are not allowed.")  # torch: only scalar exponents
    return _promoted(Pow, a, b)


class Remainder(Function):
    """``a mod b`` with the sign of ``b`` (Python's ``%``, torch's ``remainder``), or with the sign of ``a``
    (``fmod``). Gradients ``g`` and ``-g · q`` with ``q`` the rounded quotient (floor, or trunc for ``fmod``)."""

    def forward(self, a, b, *, truncate):
        with np.errstate(divide="ignore", invalid="ignore"):
            result = np.fmod(a, b) if truncate else np.mod(a, b)
        if np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) == 0):
            raise RuntimeError("ZeroDivisionError")
        return result

    def inputs_read(self):  # the divisor's gradient reads both; the dividend's none
        return self.needs_input_grad[1], self.needs_input_grad[1]

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        quotient = None
        if need_b:  # floor_divide, not floor(a / b): a / b may round up to the next integer (torch's div floor)
            with np.errstate(divide="ignore", invalid="ignore"):
                a_data, b_data = data_of(a), data_of(b)
                q = np.trunc(a_data / b_data) if self.options["truncate"] else np.floor_divide(a_data, b_data)
                quotient = wrap(np.asarray(q).astype(grad._data.dtype))
        return (
            sum_to(grad, np.shape(data_of(a))) if need_a else None,
            sum_to(-grad * quotient, np.shape(data_of(b))) if need_b else None,
        )


def remainder(a, b):
    """``a - floor(a / b) · b``: the remainder with the sign of the divisor (Python's and torch's ``%``).

    Gradient: ``g`` to ``a``; ``-g · floor(a / b)`` to a tensor ``b``.

    >>> minigrad.remainder(minigrad.tensor([5.0, -5.0]), 3)
    tensor([2., 1.])
    """
    if not (is_tensor(a) or is_tensor(b)):  # torch has a tensor-number and a number-tensor form, not number-number
        raise TypeError("remainder(): expected a tensor for 'input' or 'other', got two numbers")
    check_broadcast(a, b)
    a, b = promote(a, b)
    return Remainder.apply(a, b, truncate=False)


def fmod(a, b):
    """``a - trunc(a / b) · b``: the remainder with the sign of the dividend (C's ``fmod``).

    Gradient: ``g`` to ``a``; ``-g · trunc(a / b)`` to a tensor ``b``.

    >>> minigrad.fmod(minigrad.tensor([5.0, -5.0]), 3)
    tensor([ 2., -2.])
    """
    if not is_tensor(a):
        raise TypeError(f"fmod(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")
    check_broadcast(a, b)
    a, b = promote(a, b)
    return Remainder.apply(a, b, truncate=True)


def _rounded_division(a, b, rounding_mode):
    """The quotient rounded toward zero ('trunc') or down ('floor'), with a zero gradient like every step
    function; integers stay integers."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    a, b = promote(a, b)
    a_data, b_data = data_of(a), data_of(b)
    if np.result_type(a_data, b_data).kind in "iu":
        if np.any(np.asarray(b_data) == 0):
            raise RuntimeError("ZeroDivisionError")
        quotient = np.floor_divide(a_data, b_data)
        if rounding_mode == "trunc":  # floor and trunc differ where the signs differ and the division is inexact
            quotient = quotient + ((np.mod(a_data, b_data) != 0) & ((a_data < 0) != (np.asarray(b_data) < 0)))
        return _step(a, b, values=np.asarray(quotient))
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.asarray(a_data / b_data)
    return _step(
        a, b, values=np.asarray(np.trunc(exact) if rounding_mode == "trunc" else np.floor_divide(a_data, b_data))
    )


def floor_divide(a, b):
    """``floor(a / b)`` (Python's and torch's ``//``); gradient 0.

    >>> minigrad.floor_divide(minigrad.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    return _rounded_division(a, b, "floor")


def neg(x):
    """``-x`` elementwise (same shape). Gradient: ``-g``.

    >>> minigrad.neg(minigrad.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    if x._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
            "a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(x)


def square(x):
    """``x · x`` elementwise (same shape); a bool ``x`` is promoted to int64 first, as torch does (its square is
    ``pow(x, 2)``, and an integer power of a bool is int64). Gradient: ``2 x g``.

    >>> minigrad.square(minigrad.tensor([True, False]))
    tensor([1, 0])
    """
    if x._data.dtype == np.bool_:
        x = to(x, np.int64)
    return mul(x, x)


# ---------------------------------------------------------------------------------------- unary functions
class Abs(Function):
    """``|x|``; gradient ``g sign(x)`` (0 at x = 0)."""

    def forward(self, x):
        return np.abs(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * sign(x)

    def backward_arrays(self, grad):
        return grad * _sign_values(self.inputs[0]._data)


class Exp(Function):
    """``e^x``; gradient ``g e^x``.

    >>> minigrad.exp(minigrad.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """

    keeps_inputs = False
    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad):
        return grad * self.output()

    def backward_arrays(self, grad):
        return grad * self._output[0]


class Log(Function):
    """``ln x``; gradient ``g / x``.

    >>> minigrad.log(minigrad.tensor([1.0, 100.0]))
    tensor([0.0000, 4.6052])
    """

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad / x

    def backward_arrays(self, grad):
        return grad / self.inputs[0]._data


class Log1p(Function):
    """``ln(1 + x)``; gradient ``g / (1 + x)``.

    >>> minigrad.log1p(minigrad.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad / (x + 1)


class Expm1(Function):
    """``e^x - 1``; gradient ``g e^x``.

    >>> minigrad.expm1(minigrad.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x):
        return np.expm1(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * exp(x)


class Sqrt(Function):
    """``√x``; gradient ``g / (2√x)``.

    >>> minigrad.tensor([1.0, 4.0]).sqrt()
    tensor([1., 2.])
    """

    keeps_inputs = False
    saves_output = True

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    def backward(self, grad):
        return grad / (self.output() * 2)


class Sin(Function):
    """``sin x``; gradient ``g cos x``.

    >>> minigrad.sin(minigrad.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * cos(x)


class Cos(Function):
    """``cos x``; gradient ``-g sin x``.

    >>> minigrad.cos(minigrad.tensor([0.0]))
    tensor([1.])
    """

    def forward(self, x):
        return np.cos(x)

    def backward(self, grad):
        (x,) = self.inputs
        return -grad * sin(x)


def unary(function_class):
    def op(x):
        return function_class.apply(float_operand(x))

    op.__name__ = function_class.__name__.lower()
    op.__doc__ = function_class.__doc__
    return op


exp = unary(Exp)
log = unary(Log)
log1p = unary(Log1p)
expm1 = unary(Expm1)
sqrt = unary(Sqrt)
sin = unary(Sin)
cos = unary(Cos)


def abs(x):  # noqa: A001 - torch's name
    """``|x|``; keeps integer dtypes (unlike the float-only functions).

    Gradient: ``g · sign(x)`` (0 at 0).

    >>> minigrad.abs(minigrad.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """
    return Abs.apply(x)


# ------------------------------------------------------------------------------------- piecewise functions
class Clamp(Function):
    """``min(max(x, low), high)``: either bound None, a number or a tensor (broadcasting); ``high`` wins where
    ``low > high``, and a nan bound gives nan.

    Gradients, as torch's: ``x`` gets ``g`` where ``low <= x <= high`` (so at the bounds too), a tensor ``low``
    where ``x < low`` (and ``low < high``), a tensor ``high`` where ``x > high`` or ``high < low``; a nan bound
    passes nothing (every comparison with nan is false)."""

    keeps_inputs = False

    def forward(self, x, low, high):
        data, low_data, high_data = x, low, high
        self.shapes = [np.shape(v) for v in (x, low, high)]
        self.low_mask = self.high_mask = None  # only tensor bounds get a gradient
        result = data
        with np.errstate(invalid="ignore"):
            self.x_mask = np.ones(data.shape, dtype=bool)
            if low is not None:
                self.x_mask = self.x_mask & (data >= low_data)
                result = np.maximum(result, low_data)
            if high is not None:
                self.x_mask = self.x_mask & (data <= high_data)
                result = np.minimum(result, high_data)
            if self.needs_input_grad[1]:
                self.low_mask = data < low_data
                if high is not None:
                    self.low_mask &= low_data < high_data
            if self.needs_input_grad[2]:
                self.high_mask = data > high_data
                if low is not None:
                    self.high_mask |= high_data < low_data
        return np.asarray(result, dtype=data.dtype)

    def backward(self, grad):
        masks = (self.x_mask, self.low_mask, self.high_mask)
        return tuple(
            sum_to(grad * wrap(np.broadcast_to(mask, grad.shape).astype(grad._data.dtype)), shape) if needed else None
            for mask, shape, needed in zip(masks, self.shapes, self.needs_input_grad)
        )


class Maximum(Function):
    """Elementwise ``max(a, b)``; the gradient goes to the larger input, split in half on ties (torch's rule)."""

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, grad):
        return _split_gradient(self, grad, np.greater)


class Minimum(Function):
    """Elementwise ``min(a, b)``; the gradient goes to the smaller input, split in half on ties."""

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, grad):
        return _split_gradient(self, grad, np.less)


def _split_gradient(node, grad, wins):
    """Each input gets ``g`` unless the other one wins, half on ties; with a nan (no winner, no tie) both get
    ``g``, as in torch."""
    a, b = node.inputs
    a_data, b_data = data_of(a), data_of(b)
    with np.errstate(invalid="ignore"):
        whole = np.where(a_data == b_data, 0.5, 1.0)
        share_a = np.where(wins(b_data, a_data), 0.0, whole).astype(grad._data.dtype)
        share_b = np.where(wins(a_data, b_data), 0.0, whole).astype(grad._data.dtype)
    need_a, need_b = node.needs_input_grad
    return (
        sum_to(grad * wrap(share_a), np.shape(a_data)) if need_a else None,
        sum_to(grad * wrap(share_b), np.shape(b_data)) if need_b else None,
    )


class Where(Function):
    """``where(condition, a, b)``; gradients ``g [condition]`` and ``g [not condition]``."""

    keeps_inputs = False

    def forward(self, a, b, *, condition):
        self.condition = condition
        self.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return np.where(condition, a, b)

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (
            sum_to(grad * wrap(self.condition.astype(grad._data.dtype)), self.shapes[0]) if need_a else None,
            sum_to(grad * wrap((~self.condition).astype(grad._data.dtype)), self.shapes[1]) if need_b else None,
        )

    def backward_arrays(self, grad):
        need_a, need_b = self.needs_input_grad
        shape_a, shape_b = self.shapes
        return (
            sum_to_array(grad * self.condition.astype(grad.dtype), shape_a) if need_a else None,
            sum_to_array(grad * (~self.condition).astype(grad.dtype), shape_b) if need_b else None,
        )


def clamp(x, min=None, max=None):  # noqa: A002 - torch's argument names
    """Clamp ``x`` into ``[min, max]`` (either may be None, not both).

    Gradient: ``g`` where ``x`` lies within the bounds, 0 where a bound is taken (a tensor bound gets ``g`` there).

    >>> minigrad.clamp(minigrad.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if is_tensor(min) or is_tensor(max):  # tensor bounds: one promoted dtype, broadcast together
        bounds = [v for v in (min, max) if v is not None]
        common = _dtype.result_type(x._data, *[data_of(v) for v in bounds])
        x, min, max = (
            v
            if v is None or (is_tensor(v) and v._data.dtype == common)
            else v.to(common)
            if is_tensor(v)
            else wrap(np.asarray(v, dtype=common))
            for v in (x, min, max)
        )
        if x.shape != (shape := np.broadcast_shapes(*[v.shape for v in (x, min, max) if v is not None])):
            x = x.expand(*shape)
        return Clamp.apply(x, min, max)
    if x._data.dtype.kind in "iub" and any(isinstance(v, float) for v in (min, max)):
        x = float_operand(x)
    return Clamp.apply(x, min, max)


def maximum(a, b):
    """``max(a, b)`` elementwise, broadcasting; NaN if either is NaN. Gradient: ``g`` to the larger input (split in
    halves on ties, as torch).

    >>> minigrad.maximum(minigrad.tensor([1.0, 5.0]), minigrad.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    a, b = promote(a, b)
    return Maximum.apply(a, b)


def minimum(a, b):
    """``min(a, b)`` elementwise, broadcasting; NaN if either is NaN. Gradient: ``g`` to the smaller input (split in
    halves on ties).

    >>> minigrad.minimum(minigrad.tensor([1.0, 5.0]), minigrad.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    a, b = promote(a, b)
    return Minimum.apply(a, b)


def where(condition, a=None, b=None, *, out=None):
    """Pick from ``a`` where ``condition`` holds, else from ``b`` (all three broadcast), written into ``out`` when
    given (torch's ``out=``). ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``: one index tensor
    per dim.

    Gradient: ``g`` to ``a`` where ``condition`` holds and to ``b`` elsewhere (zeros at the other positions, each summed
    over its broadcast dims); none to ``condition``.

    >>> minigrad.where(minigrad.tensor([True, False]), minigrad.tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    """
    if a is None and b is None:
        return tuple(wrap(p.astype(np.int64)) for p in np.nonzero(np.asarray(data_of(condition))))
    a, b = promote(a, b)
    condition = np.asarray(data_of(condition))
    if condition.dtype != np.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}"
        )
    result = Where.apply(a, b, condition=condition)
    return result if out is None else write_into(result, out)


# ------------------------------------------------------------------------------------------- step functions
class Step(Function):
    """A step function of its inputs (sign, floor, ceil, round, trunc, rounded division), its values computed by
    the caller. Its derivative is 0 wherever it exists, so every input's gradient is zeros, as torch's: the result
    stays in the graph and a backward through it works (straight-through tricks add the identity's gradient
    themselves)."""

    keeps_inputs = False

    def forward(self, *inputs, values):
        self.shapes = [(np.shape(x), np.asarray(x).dtype) for x in inputs]
        return values

    def backward(self, grad):
        grads = tuple(
            wrap(np.zeros(shape, dtype)) if need else None
            for (shape, dtype), need in zip(self.shapes, self.needs_input_grad)
        )
        return grads if len(grads) > 1 else grads[0]


def _step(*inputs, values):
    """``values`` as a step function of ``inputs`` (in the graph when one of them is a tensor)."""
    return Step.apply(*inputs, values=values) if any(is_tensor(x) for x in inputs) else wrap(values)


def sign(x):
    """-1, 0 or 1 (torch's: 0 for nan, a bool tensor unchanged); gradient 0.

    >>> minigrad.sign(minigrad.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    data = data_of(x)
    if data.dtype == np.bool_:
        return wrap(data.copy())
    return _step(x, values=_sign_values(data))


def _sign_values(data):
    """``sign``'s values as an array: NumPy's sign with 0 for nan."""
    result = np.asarray(np.sign(data))
    if result.dtype.kind == "f":
        result[np.isnan(result)] = 0
    return result


def floor(x):
    """``⌊x⌋`` elementwise (same shape and dtype). Gradient: zero (a step function).

    >>> minigrad.floor(minigrad.tensor([1.5, -1.5]))
    tensor([ 1., -2.])
    """
    return _step(x, values=np.asarray(np.floor(data_of(x))))


def ceil(x):
    """``⌈x⌉`` elementwise (same shape and dtype). Gradient: zero (a step function).

    >>> minigrad.ceil(minigrad.tensor([1.5, -1.5]))
    tensor([ 2., -1.])
    """
    return _step(x, values=np.asarray(np.ceil(data_of(x))))


def round(x, decimals=0):  # noqa: A001 - torch's name
    """Round half to even, like torch; gradient 0.

    >>> minigrad.round(minigrad.tensor([0.4, 1.6]))
    tensor([0., 2.])
    """
    return _step(x, values=np.asarray(np.round(data_of(x), decimals)))


def trunc(x):
    """Round toward zero; gradient 0.

    >>> minigrad.fix(minigrad.tensor([1.7, -1.7]))
    tensor([ 1., -1.])
    """
    return _step(x, values=np.asarray(np.trunc(data_of(x))))


def frac(x):
    """``x - trunc(x)``, the fractional part with the sign of ``x``; gradient ``g``.

    >>> minigrad.frac(minigrad.tensor([1.25, -1.25]))
    tensor([ 0.2500, -0.2500])
    """
    return sub(x, trunc(x))


# ------------------------------------------------------------------------------ non-differentiable functions
def _constant(array):
    return wrap(array)


def isnan(x):
    """``x ≠ x``: a bool tensor of ``x``'s shape, True at NaNs. Not differentiable.

    >>> minigrad.isnan(minigrad.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    return _constant(np.isnan(data_of(x)))


def isinf(x):
    """A bool tensor of ``x``'s shape, True at ±inf. Not differentiable.

    >>> minigrad.isinf(minigrad.tensor([1.0, float("inf")]))
    tensor([False,  True])
    """
    return _constant(np.isinf(data_of(x)))


def isfinite(x):
    """A bool tensor of ``x``'s shape, True where ``x`` is neither NaN nor ±inf. Not differentiable.

    >>> minigrad.isfinite(minigrad.tensor([1.0, float("inf")]))
    tensor([ True, False])
    """
    return _constant(np.isfinite(data_of(x)))


def logical_not(x):
    """``not x`` elementwise (nonzero is True) as a bool tensor of ``x``'s shape. Not differentiable.

    >>> minigrad.logical_not(minigrad.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    return _constant(np.asarray(data_of(x)) == 0)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|a - b| <= atol + rtol |b|`` elementwise, as a bool tensor.

    Not differentiable (a bool tensor).

    >>> minigrad.isclose(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.1]))
    tensor([ True, False])
    """
    for name, value, position in (("input", a, 1), ("other", b, 2)):
        if not is_tensor(value):
            raise TypeError(
                f"isclose(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}"
            )
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        if tolerance < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tolerance}")
    check_broadcast(a, b)
    a, b = promote(a, b)
    return _constant(np.isclose(data_of(a), data_of(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``isclose`` holds everywhere (a Python bool).

    Not differentiable (a Python bool).

    >>> minigrad.allclose(minigrad.tensor([1.0]), minigrad.tensor([1.0 + 1e-9]))
    True
    """
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


def equal(a, b):
    """Whether two tensors have the same shape and values (a Python bool).

    Not differentiable (a Python bool).

    >>> minigrad.equal(minigrad.tensor([1, 2]), minigrad.tensor([1, 2]))
    True
    """
    return a.shape == b.shape and bool((data_of(a) == data_of(b)).all())


def compare(a, b, numpy_op):
    """A comparison (``==``, ``<``, ...) as a bool tensor; never differentiable."""
    a, b = promote(a, b)
    return _constant(numpy_op(data_of(a), data_of(b)))


# ------------------------------------------------------------------------------------------ copies and casts
class Clone(Function):
    """A copy of ``x``; gradient ``g``."""

    keeps_inputs = False

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return grad


class Cast(Function):
    """``x`` converted to another dtype; the gradient is converted back (none flows out of integer results)."""

    keeps_inputs = False

    def forward(self, x, *, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad):
        return grad.to(self.in_dtype)


class MaskedFill(Function):
    """``x`` with ``value`` where ``mask`` holds; gradient ``g`` where it does not."""

    keeps_inputs = False

    def forward(self, x, *, mask, value):
        self.mask = mask
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    def backward(self, grad):
        return grad * wrap((~self.mask).astype(grad._data.dtype))


def masked_fill(x, mask, value):
    """``x`` with ``value`` where the bool ``mask`` (broadcast to ``x``'s shape) is True. Gradient: ``g`` where the mask
    is False, zero where it is True.

    >>> minigrad.tensor([1.0, 2.0, 3.0]).masked_fill(minigrad.tensor([False, True, False]), 0.0)
    tensor([1., 0., 3.])
    """
    mask = np.asarray(data_of(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if np.ndim(data_of(value)) != 0:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor")
    shape = np.broadcast_shapes(x.shape, mask.shape)
    if shape != x.shape:
        x = expand(x, *shape)
    if is_tensor(value) and value.requires_grad and x._data.dtype.kind == "f":  # the value gets Σ g[mask]
        return Where.apply(value.to(x._data.dtype), x, condition=np.broadcast_to(mask, shape))
    value = data_of(value)
    if x._data.dtype.kind in "iu" and not np.isfinite(value):
        raise RuntimeError(f"value cannot be converted to type {x._data.dtype} without overflow")
    return MaskedFill.apply(
        x, mask=np.broadcast_to(mask, shape), value=float(value) if x._data.dtype.kind == "f" else value
    )


# ------------------------------------------------------------------------------ composites optimizers use
def addcmul(x, tensor1, tensor2, value=1):
    """``x + value · tensor1 · tensor2`` (gradients by the chain rule through its primitives).

    >>> minigrad.addcmul(minigrad.tensor([1.0]), minigrad.tensor([2.0]), minigrad.tensor([3.0]), value=0.5)
    tensor([4.])
    """
    return add(x, mul(mul(tensor1, tensor2), value))


def addcdiv(x, tensor1, tensor2, value=1):
    """``x + value · tensor1 / tensor2``.

    Gradient: ``g`` to ``x``, ``value · g / tensor2`` to ``tensor1``, ``-value · g · tensor1 / tensor2²`` to ``tensor2``
    (each summed over its broadcast dims).

    >>> minigrad.addcdiv(minigrad.tensor([1.0]), minigrad.tensor([3.0]), minigrad.tensor([2.0]))
    tensor([2.5000])
    """
    return add(x, mul(div(tensor1, tensor2), value))


def lerp(x, end, weight):
    """``x + weight · (end - x)``: linear interpolation from ``x`` to ``end``.

    Gradient: ``g (1 - weight)`` to ``x``, ``g · weight`` to ``end``, ``g (end - x)`` to a tensor ``weight``.

    >>> minigrad.lerp(minigrad.tensor([0.0]), minigrad.tensor([10.0]), 0.25)
    tensor([2.5000])
    """
    return add(x, mul(sub(end, x), weight))


# ---------------------------------------------------------------------------------------- conversions
def to(x, *args, dtype=None, copy=False, **kwargs):
    """``x`` in another dtype (``to(dtype)``, ``to(other_tensor)``); a device (``'cpu'``) is accepted and
    ignored, so torch code runs unchanged. Gradient: converted back to ``x``'s dtype.

    >>> minigrad.tensor([1, 2]).to(minigrad.float32)
    tensor([1., 2.])
    """
    _device.check(kwargs.pop("device", None))
    for arg in args:
        if is_tensor(arg):
            dtype = arg.dtype
        elif arg is None or isinstance(arg, (str, int, _device.device)) and not isinstance(arg, bool):
            _device.check(arg)
        else:
            dtype = arg
    if dtype is None:
        return Clone.apply(x) if copy else x
    target = _dtype.as_numpy_dtype(dtype)
    if target == x._data.dtype and not copy:
        return x
    return Cast.apply(x, dtype=target)


_TYPE_NAMES = {
    "torch.FloatTensor": "float32",
    "torch.DoubleTensor": "float64",
    "torch.HalfTensor": "float16",
    "torch.LongTensor": "int64",
    "torch.IntTensor": "int32",
    "torch.ShortTensor": "int16",
    "torch.CharTensor": "int8",
    "torch.ByteTensor": "uint8",
    "torch.BoolTensor": "bool",
}


def type_(x, dtype=None, non_blocking=False):
    """``x.type()`` is torch's type name (``'torch.FloatTensor'``); ``x.type(dtype)`` (a dtype, such a name or a
    legacy type such as ``minigrad.LongTensor``) is ``x.to(dtype)``.

    Gradient: ``g`` cast back to ``x``'s dtype.

    >>> minigrad.zeros(1).type()
    'torch.FloatTensor'
    >>> minigrad.zeros(1).type(minigrad.int64)
    tensor([0])
    """
    if dtype is None:
        return next(name for name, numpy_name in _TYPE_NAMES.items() if numpy_name == x._data.dtype.name)
    if isinstance(dtype, str):
        if dtype not in _TYPE_NAMES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _dtype.from_numpy_dtype(np.dtype(_TYPE_NAMES[dtype]))
    elif isinstance(dtype, type):  # a legacy type (minigrad.FloatTensor) carries its dtype
        dtype = dtype.dtype
    return to(x, dtype)


def clone(x):
    """A copy of ``x`` (in the graph: gradient ``g``).

    Gradient: ``g``.

    >>> minigrad.clone(minigrad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    return Clone.apply(x)


def contiguous(x):
    """``x`` with C-contiguous memory: ``x`` itself when it already is, else a copy (same values and shape). Gradient:
    ``g``.

    >>> minigrad.zeros(2, 3).t().contiguous().is_contiguous()
    True
    """
    return x if x._data.flags.c_contiguous else Clone.apply(x)


# ------------------------------------------------------------------------------------- for the losses
class XLogY(Function):
    """``x log(y)``, taken as 0 where ``x == 0`` (unless y is nan), as ``torch.xlogy``.

    Gradients, as torch's: ``xlogy(g, y)``, set to 0 where ``x == 0 and y <= 0`` (so a zero upstream gradient
    gives 0 even where ``log y`` is nan), and ``g x / y``. ``special.XLog1pY`` shifts the argument of the log by
    ``shift`` = 1 (and takes NumPy's ``log1p``, exact for small y).
    """

    shift = 0
    numpy_log = staticmethod(np.log)

    def forward(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((x == 0) & ~np.isnan(y), 0, x * type(self).numpy_log(y))

    def backward(self, grad):
        x, y = self.inputs
        x_data, y_data = np.asarray(data_of(x)), np.asarray(data_of(y))
        need_x, need_y = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x = (
                sum_to(
                    masked_fill(type(self).apply(grad, y), (x_data == 0) & (y_data + self.shift <= 0), 0.0),
                    x_data.shape,
                )
                if need_x
                else None
            )
            grad_y = sum_to(grad * x / (y + self.shift if self.shift else y), y_data.shape) if need_y else None
        return grad_x, grad_y


def xlogy(x, y):
    """``x · log(y)`` with ``0 · log(0) = 0`` (torch.xlogy); x and y broadcast, integers become float32.

    Gradient: ``g log y`` to ``x`` (0 where ``x = 0``), ``g x / y`` to ``y``.

    >>> minigrad.xlogy(minigrad.tensor([0.0, 2.0]), minigrad.tensor([0.0, 3.0]))
    tensor([0.0000, 2.1972])
    """
    x, y = promote_float(x, y)
    return XLogY.apply(x, y)


class ClampedValue(Function):
    """``apply(v, low=number)``: ``max(v, low)`` as a value, the identity for the gradient.

    torch clamps such tensors (``var`` of the Gaussian NLL, the norms in ``cosine_similarity``) in place under
    ``no_grad``, so the gradient flows as if there were no clamp while every formula sees the clamped value.
    """

    keeps_inputs = False

    def forward(self, v, *, low):
        return np.maximum(v, low).astype(v.dtype, copy=False)

    def backward(self, grad):
        return grad
