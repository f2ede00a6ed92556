"""``autograd.Variable``: the pre-0.4 wrapper that old scripts still call (``Variable(torch.randn(3))``).

Since torch 0.4 a Variable *is* a Tensor: calling ``Variable(t)`` returns a tensor that shares ``t``'s memory, cut
from its graph, and ``isinstance(x, Variable)`` holds for every Tensor. ``volatile`` is accepted and ignored with
torch's warning (``no_grad`` replaced it).
"""

import warnings

from .. import _dtype
from .tensor import Tensor, legacy_array

__all__ = ["Variable"]


class _VariableMeta(type):
    """Makes every Tensor an instance of ``Variable``, as torch's ``VariableMeta`` does."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``: ``data`` detached (same memory and version
    counter), a leaf that requires grad if asked; ``Variable()`` is an empty tensor of the default dtype.

    Raises TypeError when ``data`` is not a Tensor, and RuntimeError when ``requires_grad`` is asked of an integer
    tensor, as torch.

    >>> from minigrad.autograd import Variable
    >>> v = Variable(minigrad.ones(2) * 3, requires_grad=True)
    >>> v.tolist(), v.is_leaf, isinstance(v, Variable)
    ([3.0, 3.0], True, True)
    """

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        if data is None:
            return Tensor._new(legacy_array((), _dtype.get_default_dtype()))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
