"""``add``/``sub``/``addcmul``/``addcdiv`` with their scale as a keyword, and torch's deprecated scalar-first forms.

Scripts written for torch < 1.5 pass the scale first: ``p.data.add_(-lr, grad)``, ``exp_avg.add_(1 - beta1, grad)``,
``exp_avg_sq.addcmul_(1 - beta2, grad, grad)``, ``p.data.addcdiv_(-step, exp_avg, denom)`` -- the inner loop of
many hand-written optimizers. torch still accepts these forms with a deprecation warning, and so does minigrad:
the scale must be a number, no keyword scale may be given besides, and the warning names the form to use instead.
"""

import numbers
import warnings

from ..autograd.tensor import Tensor
from . import elementwise

__all__ = ["scalar_first", "add", "sub", "addcmul", "addcdiv"]

_SIGNATURES = {
    "add": ("Number alpha, Tensor other", "Tensor other, *, Number alpha = 1"),
    "sub": ("Number alpha, Tensor other", "Tensor other, *, Number alpha = 1"),
    "addcmul": ("Number value, Tensor tensor1, Tensor tensor2", "Tensor tensor1, Tensor tensor2, *, Number value = 1"),
    "addcdiv": ("Number value, Tensor tensor1, Tensor tensor2", "Tensor tensor1, Tensor tensor2, *, Number value = 1"),
}


def scalar_first(name, leading, extra, keyword_given):
    """The operands of torch's deprecated ``name(scale, *operands)`` call, read from the positional arguments a
    method received: ``leading`` (what sits where the first operand belongs) and ``extra`` (the one positional
    argument past the regular ones). Returns ``(scale, leading_operands_shifted)`` after warning as torch does.

    Raises TypeError, naming the call, when the form does not fit: more than one extra argument, a scale that is
    not a number, or a keyword scale as well.
    """
    base = name.rstrip("_")
    expected, instead = _SIGNATURES[base]
    n_regular = expected.count("Tensor")
    scale = leading[0]
    if len(extra) != 1 or keyword_given or isinstance(scale, Tensor) or not isinstance(scale, numbers.Number):
        raise TypeError(
            f"{name}() takes {n_regular} positional argument{'s' * (n_regular > 1)} but "
            f"{n_regular + len(extra)} were given"
        )
    warnings.warn(
        f"This overload of {name} is deprecated:\n\t{name}({expected})\n"
        f"Consider using one of the following signatures instead:\n\t{name}({instead})",
        UserWarning,
        stacklevel=3,
    )
    return scale, (*leading[1:], extra[0])


def _scaled(value, scale):
    return value if scale == 1 else elementwise.mul(value, scale)


def add(input, other, *deprecated, alpha=1):  # noqa: A002 - torch's argument name
    """``input + alpha · other``, broadcasting (``add(input, alpha, other)``, torch's deprecated order, too).

    Gradient: ``∂input = g``, ``∂other = alpha · g`` (each summed over the dims it was broadcast along).

    >>> minigrad.add(minigrad.tensor([1.0, 2.0]), minigrad.tensor([10.0, 20.0]), alpha=0.5)
    tensor([ 6., 12.])
    """
    if deprecated:
        alpha, (other,) = scalar_first("add", (other,), deprecated, alpha != 1)
    return elementwise.add(input, _scaled(other, alpha))


def sub(input, other, *deprecated, alpha=1):  # noqa: A002
    """``input - alpha · other``, broadcasting (``sub(input, alpha, other)``, the deprecated order, too).

    Gradient: ``∂input = g``, ``∂other = -alpha · g`` (summed over broadcast dims).

    >>> minigrad.sub(minigrad.tensor([3.0, 5.0]), 1, alpha=2)
    tensor([1., 3.])
    """
    if deprecated:
        alpha, (other,) = scalar_first("sub", (other,), deprecated, alpha != 1)
    return elementwise.sub(input, _scaled(other, alpha))


def addcmul(input, tensor1, tensor2, *deprecated, value=1):  # noqa: A002
    """``input + value · tensor1 · tensor2`` (``addcmul(input, value, tensor1, tensor2)`` too, deprecated).

    Gradient by the chain rule through the product: ``∂input = g``, ``∂tensor1 = value · g · tensor2``,
    ``∂tensor2 = value · g · tensor1`` (summed over broadcast dims).

    >>> minigrad.addcmul(minigrad.tensor([1.0]), minigrad.tensor([2.0]), minigrad.tensor([3.0]), value=0.5)
    tensor([4.])
    """
    if deprecated:
        value, (tensor1, tensor2) = scalar_first("addcmul", (tensor1, tensor2), deprecated, value != 1)
    return elementwise.addcmul(input, tensor1, tensor2, value)


def addcdiv(input, tensor1, tensor2, *deprecated, value=1):  # noqa: A002
    """``input + value · tensor1 / tensor2`` (``addcdiv(input, value, tensor1, tensor2)`` too, deprecated).

    Gradient: ``∂input = g``, ``∂tensor1 = value · g / tensor2``, ``∂tensor2 = -value · g · tensor1 / tensor2²``
    (summed over broadcast dims).

    >>> minigrad.addcdiv(minigrad.tensor([1.0]), minigrad.tensor([3.0]), minigrad.tensor([2.0]))
    tensor([2.5000])
    """
    if deprecated:
        value, (tensor1, tensor2) = scalar_first("addcdiv", (tensor1, tensor2), deprecated, value != 1)
    return elementwise.addcdiv(input, tensor1, tensor2, value)
