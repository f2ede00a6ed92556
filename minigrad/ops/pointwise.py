"""Differentiable elementwise ops beyond the arithmetic core: ``copysign``, ``hypot``, ``logaddexp``/``logaddexp2``,
``fmax``/``fmin``, ``nextafter``, ``ldexp``, ``float_power``, ``frexp``, ``deg2rad``/``rad2deg``, ``reciprocal``,
``sgn``, ``positive``, ``rsub``, ``nan_to_num``, ``fill`` and ``renorm``.

The binary ones take their values from the NumPy routine (exact, and as torch rounds them) and write each partial
derivative in Tensor ops or as a constant mask, so the double backward needs nothing more. The others are short
compositions of existing ops, whose gradients follow by the chain rule.
"""

import math
from collections import namedtuple

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ._util import data_of, float_operand, is_tensor, promote, wrap
from .activation import sigmoid
from .elementwise import check_broadcast, div, masked_fill, mul, pow, sign, sub
from .logic import require_tensor
from .out import supports_out
from .reduce import norm
from .shape import normalize_dim, sum_to

# torch.return_types.frexp, printed under its name
frexp_result = namedtuple("frexp", ["mantissa", "exponent"])  # type: ignore[name-match]


class _Binary(Function):
    """``y = numpy_function(a, b)``; gradients ``g · d_a(a, b, y)`` and ``g · d_b(a, b, y)`` (the partial
    derivatives as Tensors; ``d_b`` None where it is zero), each summed over the dims it was broadcast along."""

    saves_output = True
    d_b = None

    def forward(self, a, b):
        with np.errstate(all="ignore"):  # inf and nan where torch gives them too
            return np.asarray(type(self).numpy_function(a, b))

    def backward(self, grad):
        a, b = (v if is_tensor(v) else wrap(v) for v in self.inputs)
        need_a, need_b = self.needs_input_grad
        return (
            self._gradient(grad, type(self).d_a, a, b, a) if need_a else None,
            self._gradient(grad, type(self).d_b, a, b, b) if need_b else None,
        )

    def _gradient(self, grad, derivative, a, b, wrt):
        if derivative is None:  # a zero partial derivative: zeros, as torch's zeros_like(other)
            return wrap(np.zeros(wrt.shape, grad._data.dtype))
        return sum_to(grad * derivative(a, b, self.output()), wrt.shape)


def _binary(name, numpy_function, d_a, d_b, doc):
    """The ``_Binary`` Function class ``name``."""
    derivatives = {"d_a": staticmethod(d_a), "d_b": staticmethod(d_b) if d_b else None}
    return type(name, (_Binary,), {"numpy_function": staticmethod(numpy_function), **derivatives, "__doc__": doc})


def _mask(condition, like):
    """A constant 0/1 tensor in ``like``'s dtype: a piecewise-constant partial derivative."""
    return wrap(condition.astype(like._data.dtype))


def _ratio_where_nonzero(a, y):
    """``y / a``, 0 where ``a = 0``: copysign's derivative (±1; nan at inf and nan, as torch's)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return wrap(np.where(a._data == 0, 0, y._data / a._data).astype(y._data.dtype))


_LN2 = math.log(2.0)

Hypot = _binary(
    "Hypot", np.hypot, lambda a, b, y: a / y, lambda a, b, y: b / y, "``√(a² + b²)``; gradients ``g a/y``, ``g b/y``."
)
LogAddExp = _binary(
    "LogAddExp",
    np.logaddexp,
    lambda a, b, y: sigmoid(a - b),
    lambda a, b, y: sigmoid(b - a),
    "``ln(eᵃ + eᵇ)``; gradients ``g σ(a - b)`` and ``g σ(b - a)``.",
)
LogAddExp2 = _binary(
    "LogAddExp2",
    np.logaddexp2,
    lambda a, b, y: sigmoid((a - b) * _LN2),
    lambda a, b, y: sigmoid((b - a) * _LN2),
    "``log₂(2ᵃ + 2ᵇ)``; gradients ``g σ((a - b) ln 2)`` and ``g σ((b - a) ln 2)``.",
)
CopySign = _binary(
    "CopySign",
    np.copysign,
    lambda a, b, y: _ratio_where_nonzero(a, y),
    None,
    "``|a|`` with the sign of ``b``; gradients ``g y/a`` (0 at a = 0, as torch) and 0.",
)
NextAfter = _binary(
    "NextAfter",
    np.nextafter,
    lambda a, b, y: _mask(a._data != b._data, y),
    None,
    "The float after ``a`` towards ``b``; gradients ``g`` where ``a ≠ b`` (0 where equal) and 0, as torch.",
)


def _apply_binary(name, function_class, a, b, integers, tensor_other=True):
    """Check and promote the operands as torch does, then apply. ``integers``: "keep" them, make them "float"32,
    or refuse them ("error", torch's NotImplementedError); ``tensor_other``: ``b`` must be a tensor too."""
    require_tensor(name, a)
    if tensor_other:
        require_tensor(name, b, "other", 2)
    check_broadcast(a, b)
    a, b = promote(a, b)
    kind = np.asarray(data_of(a)).dtype.kind
    if kind in "biu":
        if integers == "error":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.torch_name(data_of(a).dtype)}'")
        if integers == "float":
            a, b = (float_operand(v) if is_tensor(v) else np.float32(v) for v in (a, b))
    return function_class.apply(a, b)


@supports_out
def hypot(input, other):  # noqa: A002
    """``√(input² + other²)`` elementwise without overflow (broadcasting, floats only).

    Gradient: ``∂input = g·input/y``, ``∂other = g·other/y``.

    >>> minigrad.hypot(minigrad.tensor([3.0, 5.0]), minigrad.tensor([4.0, 12.0]))
    tensor([ 5., 13.])
    """
    return _apply_binary("hypot", Hypot, input, other, "error")


@supports_out
def logaddexp(input, other):  # noqa: A002
    """``ln(e^input + e^other)`` elementwise, computed without overflow (broadcasting, floats only).

    Gradient: ``∂input = g·σ(input - other)``, ``∂other = g·σ(other - input)``.

    >>> minigrad.logaddexp(minigrad.tensor([0.0, 100.0]), minigrad.tensor([0.0, 100.0]))
    tensor([  0.6931, 100.6931])
    """
    return _apply_binary("logaddexp", LogAddExp, input, other, "error")


@supports_out
def logaddexp2(input, other):  # noqa: A002
    """``log₂(2^input + 2^other)`` elementwise, computed without overflow (broadcasting, floats only).

    Gradient: ``∂input = g·σ((input - other) ln 2)``, ``∂other = g·σ((other - input) ln 2)``.

    >>> minigrad.logaddexp2(minigrad.tensor([1.0, 3.0]), minigrad.tensor([1.0, 3.0]))
    tensor([2., 4.])
    """
    return _apply_binary("logaddexp2", LogAddExp2, input, other, "error")


@supports_out
def copysign(input, other):  # noqa: A002
    """``|input|`` with the sign of ``other`` (a tensor or number; -0.0 counts as negative), as a float tensor.

    Gradient: ``∂input = g·sign(input)·sign(y)`` (0 where input = 0), ``∂other = 0``.

    >>> minigrad.copysign(minigrad.tensor([1.0, -2.0, 3.0]), minigrad.tensor([-1.0, 1.0, -0.0]))
    tensor([-1.,  2., -3.])
    """
    return _apply_binary("copysign", CopySign, input, other, "float", tensor_other=False)


def _nan_ignoring_extremum(name, numpy_function, at_least, word, side):
    """``fmax`` / ``fmin``: the ``_Binary`` class (the gradient goes to ``a`` where ``at_least(a, b)`` or ``b`` is
    nan, else to ``b``) and the public function over it, with torch's ``out=``."""

    def picks_a(a, b, y):
        with np.errstate(invalid="ignore"):
            return _mask(at_least(a._data, b._data) | np.isnan(b._data), y)

    function_class = _binary(
        "F" + word.capitalize(),
        numpy_function,
        picks_a,
        lambda a, b, y: 1 - picks_a(a, b, y),
        f"``{word}(a, b)`` ignoring a nan; the gradient goes to the input picked (``a`` on ties).",
    )

    def op(input, other):  # noqa: A002
        return _apply_binary(name, function_class, input, other, "keep")

    op.__name__ = op.__qualname__ = name
    example = (np.array([1.0, np.nan, 5.0]), np.array([3.0, 2.0, np.nan]))
    op.__doc__ = (
        f"``{word}(input, other)`` elementwise, where a nan loses to a number (nan only if both are nan).\n\n"
        f"    Gradient: ``g`` to the {side} input, to ``input`` on ties and to the non-nan one; zero to the other.\n\n"
        f"    >>> minigrad.{name}(minigrad.tensor([1.0, float('nan'), 5.0]), "
        "minigrad.tensor([3.0, 2.0, float('nan')]))\n"
        f"    {wrap(numpy_function(*example).astype(np.float32))!r}\n    "
    )
    return function_class, supports_out(op)


FMax, fmax = _nan_ignoring_extremum("fmax", np.fmax, np.greater_equal, "max", "larger")
FMin, fmin = _nan_ignoring_extremum("fmin", np.fmin, np.less_equal, "min", "smaller")


@supports_out
def nextafter(input, other):  # noqa: A002
    """The next representable float after ``input`` in the direction of ``other``, elementwise (floats only).

    Gradient (torch's): ``∂input = g`` where ``input ≠ other``, else 0; ``∂other = 0``.

    >>> minigrad.nextafter(minigrad.tensor([1.0], dtype=minigrad.float64), minigrad.tensor([2.0],
    ...     dtype=minigrad.float64)) - 1
    tensor([2.2204e-16], dtype=minigrad.float64)
    """
    return _apply_binary("nextafter", NextAfter, input, other, "error")


@supports_out
def ldexp(input, other):  # noqa: A002
    """``input · 2^other`` elementwise (broadcasting; integer operands give float32).

    Gradient: ``∂input = g·2^other``, ``∂other = g·input·2^other·ln 2``.

    >>> minigrad.ldexp(minigrad.tensor([1.0, 3.0]), minigrad.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    require_tensor("ldexp", input)
    require_tensor("ldexp", other, "other", 2)
    check_broadcast(input, other)
    return mul(input, pow(2.0, other))


@supports_out
def float_power(input, exponent):  # noqa: A002
    """``input ** exponent`` computed in float64 (either may be a number, not both); the result is float64.

    Gradient: as ``pow`` (``∂input = g·exponent·input^(exponent-1)``, ``∂exponent = g·input^exponent·ln input``),
    converted back to each input's dtype.

    >>> minigrad.float_power(minigrad.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=minigrad.float64)
    """
    if not (is_tensor(input) or is_tensor(exponent)):
        raise TypeError("float_power(): expected a tensor for 'input' or 'exponent', got two numbers")
    double = np.dtype(np.float64)
    input, exponent = (v.to(double) if is_tensor(v) else float(v) for v in (input, exponent))
    return pow(input, exponent)


class Frexp(Function):
    """The mantissa ``x / 2^exponent`` for the ``exponent`` option (``np.frexp``'s); gradient ``g / 2^exponent``."""

    keeps_inputs = False

    def forward(self, x, *, exponent):
        return np.ldexp(x, -exponent)

    def backward(self, grad):
        return grad * wrap(np.ldexp(np.ones((), grad._data.dtype), -self.options["exponent"]))


@supports_out
def frexp(input):  # noqa: A002
    """``(mantissa, exponent)`` with ``input = mantissa · 2^exponent``, ``0.5 ≤ |mantissa| < 1`` (0, inf and nan
    keep their value with exponent 0); the exponent is int32. Floats only.

    Gradient: ``∂input = g_mantissa / 2^exponent``.

    >>> minigrad.frexp(minigrad.tensor([8.0, -3.0]))
    frexp(mantissa=tensor([ 0.5000, -0.7500]), exponent=tensor([4, 2], dtype=minigrad.int32))
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    exponent = np.frexp(input._data)[1].astype(np.int32)
    return frexp_result(Frexp.apply(input, exponent=exponent), wrap(exponent))


@supports_out
def deg2rad(input):  # noqa: A002
    """Degrees to radians: ``input · π/180`` (integers give float32). Gradient: ``g·π/180``.

    >>> minigrad.deg2rad(minigrad.tensor([180.0, 90.0]))
    tensor([3.1416, 1.5708])
    """
    return mul(float_operand(input), math.pi / 180)


@supports_out
def rad2deg(input):  # noqa: A002
    """Radians to degrees: ``input · 180/π`` (integers give float32). Gradient: ``g·180/π``.

    >>> minigrad.rad2deg(minigrad.tensor([3.14159265]))
    tensor([180.])
    """
    return mul(float_operand(input), 180 / math.pi)


@supports_out
def reciprocal(input):  # noqa: A002
    """``1 / input`` elementwise (integers give float32; ``1/0 = inf``). Gradient: ``-g / input²``.

    >>> minigrad.reciprocal(minigrad.tensor([2.0, -4.0]))
    tensor([ 0.5000, -0.2500])
    """
    return div(1.0, input)


@supports_out
def sgn(input):  # noqa: A002
    """The sign of ``input`` (-1, 0 or 1; torch's ``sgn`` extends ``sign`` to complex numbers, which minigrad has
    not). Gradient: zero.

    >>> minigrad.sgn(minigrad.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return sign(input)


def positive(input):  # noqa: A002
    """``+input``: ``input`` itself (not a copy), refused for bool tensors as in torch. Gradient: ``g``.

    >>> minigrad.positive(minigrad.tensor([-1.0, 2.0]))
    tensor([-1.,  2.])
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def rsub(input, other, alpha=1):  # noqa: A002
    """``other - alpha · input`` (``sub`` with its operands swapped; ``other`` may be a number).

    Gradient: ``∂input = -alpha·g``, ``∂other = g`` (summed over broadcast dims).

    >>> minigrad.rsub(minigrad.tensor([1.0, 2.0]), 10, alpha=2)
    tensor([8., 6.])
    """
    require_tensor("rsub", input)
    return sub(other, input if alpha == 1 else mul(input, alpha))


class NanToNum(Function):
    """``x`` with nan, +inf and -inf replaced by finite numbers; gradient ``g`` where ``x`` was finite, else 0."""

    keeps_inputs = False

    def forward(self, x, *, nan, posinf, neginf):
        self.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, grad):
        return grad * _mask(self.finite, grad)

    def backward_arrays(self, grad):  # one pass: the bool mask is cast inside the multiplication
        return np.multiply(grad, self.finite, dtype=grad.dtype)


@supports_out
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """``input`` with nan replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (by default the largest
    and the lowest finite value of the dtype); integer and bool tensors come back unchanged (a copy).

    Gradient: ``g`` where ``input`` is finite, 0 where it was replaced.

    >>> minigrad.nan_to_num(minigrad.tensor([float("nan"), float("inf"), -1.0]), posinf=9.0)
    tensor([ 0.,  9., -1.])
    """
    if input._data.dtype.kind != "f":
        return input.clone()
    return NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


def fill(input, value):  # noqa: A002
    """A tensor of ``input``'s shape and dtype filled with ``value`` (a number or a 0-d tensor).

    Gradient: zero to ``input``; ``Σ g`` to a tensor ``value``.

    >>> minigrad.fill(minigrad.zeros(3), 2.5)
    tensor([2.5000, 2.5000, 2.5000])
    """
    if is_tensor(value) and value.ndim:
        raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    return masked_fill(input, np.ones(input.shape, dtype=bool), value)


@supports_out
def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``
    (``x · maxnorm / (‖x‖_p + 1e-7)``, torch's formula); the others unchanged. Same shape; floats only.

    Gradient: the chain rule through that formula (the norm included) for the scaled slices, ``g`` for the others.

    >>> minigrad.renorm(minigrad.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    dim = normalize_dim(dim, input.ndim)
    norms = norm(input, p, dim=tuple(d for d in range(input.ndim) if d != dim), keepdim=True)
    # the scale is 1 for the short slices and no gradient reaches their norms (0/0 where a slice is all zeros)
    scale = masked_fill(maxnorm / (norms + 1e-7), norms._data <= maxnorm, 1.0)
    return input * scale
