"""Elementwise ops with bool or integer results, none differentiable: comparisons (``eq`` ... ``ge``), logical and
bitwise ops (``&``, ``|``, ``^``, ``~``, ``<<``, ``>>``), ``gcd``/``lcm``, ``heaviside``, ``isin``, ``isposinf``,
``isneginf`` and ``signbit``.

Each follows torch's call rules, not NumPy's: torch's dtype promotion, its RuntimeError for shapes that do not
broadcast (NumPy raises ValueError), and a TypeError where torch wants a tensor and gets a Python number.
"""

import numpy as np

from .. import _dtype
from ._util import data_of, is_tensor, promote, wrap
from .elementwise import check_broadcast
from .out import supports_out


def require_tensor(name, value, argument="input", position=1):
    """torch's TypeError when an argument that must be a tensor is not (a Python number, say)."""
    if not is_tensor(value):
        raise TypeError(
            f"{name}(): argument '{argument}' (position {position}) must be Tensor, not {type(value).__name__}"
        )


def _promoted_arrays(a, b):
    """The two operands as NumPy values of torch's promoted dtype, after torch's broadcast check."""
    check_broadcast(a, b)
    a, b = promote(a, b)
    return np.asarray(data_of(a)), np.asarray(data_of(b))


def _public(name, op, summary, *example):
    """``op`` as the public function ``name``, with torch's ``out=`` and a docstring: ``summary``, then ``op`` called
    on ``example`` (lists become tensors, numbers stay) with the result it gives."""
    op.__name__ = op.__qualname__ = name
    call = ", ".join(f"minigrad.tensor({v})" if isinstance(v, list) else repr(v) for v in example)
    result = op(*(wrap(np.array(v)) if isinstance(v, list) else v for v in example))
    op.__doc__ = f"{summary}\n\n    >>> minigrad.{name}({call})\n    {result!r}\n    "
    return supports_out(op)


# --------------------------------------------------------------------------------------------------- comparisons
def _comparison(name, numpy_op, symbol):
    def op(input, other):  # noqa: A002 - torch's argument name
        require_tensor(name, input)
        return wrap(numpy_op(*_promoted_arrays(input, other)))

    summary = (
        f"``input {symbol} other`` elementwise (broadcasting, ``other`` may be a number) as a bool tensor. Not "
        "differentiable."
    )
    return _public(name, op, summary, [1, 2, 3], 2)


eq = _comparison("eq", np.equal, "==")
ne = _comparison("ne", np.not_equal, "!=")
lt = _comparison("lt", np.less, "<")
le = _comparison("le", np.less_equal, "<=")
gt = _comparison("gt", np.greater, ">")
ge = _comparison("ge", np.greater_equal, ">=")
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


# ------------------------------------------------------------------------------------------------------- logical
def _logical(name, numpy_op, word):
    def op(input, other):  # noqa: A002
        require_tensor(name, input)
        require_tensor(name, other, "other", 2)
        a, b = _promoted_arrays(input, other)
        return wrap(numpy_op(a != 0, b != 0))

    summary = (
        f"``input {word} other`` elementwise (non-zero is True, broadcasting) as a bool tensor. Not differentiable."
    )
    return _public(name, op, summary, [0, 1, 2], [1, 1, 0])


logical_and = _logical("logical_and", np.logical_and, "and")
logical_or = _logical("logical_or", np.logical_or, "or")
logical_xor = _logical("logical_xor", np.logical_xor, "xor")


# ------------------------------------------------------------------------------------------------------- bitwise
def _integer_arrays(name, a, b, bool_ok=True):
    """The operands of an integer-only op in torch's promoted dtype (a number out of its range wraps, as in
    torch); torch's NotImplementedError for any other dtype."""
    check_broadcast(a, b)
    target = _dtype.result_type(data_of(a), data_of(b))
    if target.kind not in ("biu" if bool_ok else "iu"):
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.torch_name(target)}'")
    return tuple(np.asarray(data_of(v)).astype(target, copy=False) for v in (a, b))


def _bitwise(name, numpy_op, symbol):
    def op(input, other):  # noqa: A002
        if not (is_tensor(input) or is_tensor(other)):
            raise TypeError(f"{name}(): expected a tensor for 'input' or 'other', got two numbers")
        return wrap(numpy_op(*_integer_arrays(name, input, other)))

    summary = (
        f"``input {symbol} other`` bit by bit on integer or bool tensors (broadcasting, torch's promotion; either "
        "may be a number). Not differentiable."
    )
    return _public(name, op, summary, [12, 10], 6)


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, "&")
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, "|")
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, "^")


@supports_out
def bitwise_not(input):  # noqa: A002
    """``~input``: every bit flipped (``not`` for a bool tensor). Not differentiable.

    >>> minigrad.bitwise_not(minigrad.tensor([0, 5]))
    tensor([-1, -6])
    """
    require_tensor("bitwise_not", input)
    if input._data.dtype.kind not in "biu":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{_dtype.torch_name(input._data.dtype)}'")
    return wrap(~input._data)


def _shift(name, a, b, left):
    """``a << b`` or ``a >> b`` with torch's rule for shifts outside ``[0, bits)``: 0, or the sign (-1 or 0) for a
    right shift (C leaves those undefined)."""
    if not (is_tensor(a) or is_tensor(b)):
        raise TypeError(f"{name}(): expected a tensor for 'input' or 'other', got two numbers")
    requested = np.asarray(data_of(b))  # before the cast: uint8 >> -1 is past the width, not >> 255
    a, b = _integer_arrays(name, a, b, bool_ok=False)
    bits = a.dtype.itemsize * 8
    outside = (requested < 0) | (requested >= bits)
    amount = np.where(outside, 0, b).astype(a.dtype, copy=False)
    if left:
        shifted, overflow = np.left_shift(a, amount), np.zeros((), a.dtype)
    else:
        shifted, overflow = np.right_shift(a, amount), np.where(a < 0, -1, 0).astype(a.dtype)
    return wrap(np.where(outside, overflow, shifted).astype(a.dtype, copy=False))


@supports_out
def bitwise_left_shift(input, other):  # noqa: A002
    """``input << other`` on integer tensors (``input · 2^other``, wrapping); a shift by ``< 0`` or at least the
    width gives 0. Not differentiable.

    >>> minigrad.bitwise_left_shift(minigrad.tensor([1, 3]), 2)
    tensor([ 4, 12])
    """
    return _shift("bitwise_left_shift", input, other, left=True)


@supports_out
def bitwise_right_shift(input, other):  # noqa: A002
    """``input >> other`` on integer tensors (``floor(input / 2^other)``); a shift by ``< 0`` or at least the width
    gives the sign fill (-1 for negative values, else 0). Not differentiable.

    >>> minigrad.bitwise_right_shift(minigrad.tensor([-8, 8]), 2)
    tensor([-2,  2])
    """
    return _shift("bitwise_right_shift", input, other, left=False)


# ------------------------------------------------------------------------------------------------ integer maths
def _integer_maths(name, numpy_op, summary):
    def op(input, other):  # noqa: A002
        require_tensor(name, input)
        require_tensor(name, other, "other", 2)
        return wrap(numpy_op(*_integer_arrays(name, input, other, bool_ok=False)))

    return _public(name, op, summary, [12, -18, 0], [8, 12, 5])


gcd = _integer_maths(
    "gcd",
    np.gcd,
    "The greatest common divisor of integer tensors, elementwise (broadcasting; ``gcd(0, 0) = 0``, never "
    "negative). Not differentiable.",
)
lcm = _integer_maths(
    "lcm",
    np.lcm,
    "The least common multiple of integer tensors, elementwise (broadcasting; 0 when either is 0, never negative). "
    "Not differentiable.",
)


# -------------------------------------------------------------------------------------------------- predicates
@supports_out
def heaviside(input, values):  # noqa: A002
    """The step function: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0`` (and 0 at
    nan, as torch). ``input`` and ``values`` broadcast and must have the same dtype. Not differentiable.

    >>> minigrad.heaviside(minigrad.tensor([-1.5, 0.0, 2.0]), minigrad.tensor(0.5))
    tensor([0.0000, 0.5000, 1.0000])
    """
    require_tensor("heaviside", input)
    require_tensor("heaviside", values, "values", 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    check_broadcast(input, values)
    x = input._data
    with np.errstate(invalid="ignore"):
        return wrap(np.where(x == 0, values._data, x > 0).astype(x.dtype, copy=False))


@supports_out
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` occurs in ``test_elements`` (either may be a number), as a bool tensor of
    ``elements``' shape; ``invert=True`` asks whether it does not. Not differentiable.

    >>> minigrad.isin(minigrad.tensor([1, 2, 3]), minigrad.tensor([2, 5]))
    tensor([False,  True, False])
    """
    if not (is_tensor(elements) or is_tensor(test_elements)):
        raise TypeError("isin(): expected a tensor for 'elements' or 'test_elements', got two numbers")
    a, b = promote(elements, test_elements)
    return wrap(np.isin(data_of(a), data_of(b), assume_unique=assume_unique, invert=invert))


@supports_out
def isposinf(input):  # noqa: A002
    """True where ``input`` is +inf (never for integer tensors), a bool tensor. Not differentiable.

    >>> minigrad.isposinf(minigrad.tensor([1.0, float("inf"), -float("inf")]))
    tensor([False,  True, False])
    """
    require_tensor("isposinf", input)
    return wrap(np.isposinf(input._data) if input._data.dtype.kind == "f" else np.zeros(input.shape, bool))


@supports_out
def isneginf(input):  # noqa: A002
    """True where ``input`` is -inf (never for integer tensors), a bool tensor. Not differentiable.

    >>> minigrad.isneginf(minigrad.tensor([1.0, float("inf"), -float("inf")]))
    tensor([False, False,  True])
    """
    require_tensor("isneginf", input)
    return wrap(np.isneginf(input._data) if input._data.dtype.kind == "f" else np.zeros(input.shape, bool))


@supports_out
def signbit(input):  # noqa: A002
    """True where the sign bit of ``input`` is set: negative values, -0.0 and negative nans. Not differentiable.

    >>> minigrad.signbit(minigrad.tensor([-2.0, -0.0, 0.0, 3.0]))
    tensor([ True,  True, False, False])
    """
    require_tensor("signbit", input)
    x = input._data
    return wrap(np.signbit(x.astype(np.int8) if x.dtype == np.bool_ else x))
