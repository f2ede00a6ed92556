"""The in-place forms of the view ops: ``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_`` (``swapaxes_``,
``swapdims_``).

They change only the tensor's shape metadata: the tensor becomes its own view ``x.op(...)`` over the same memory,
as torch's do. Torch's rules carry over: a leaf that requires grad refuses them while grad mode is on; the version
counter (shared with the tensor's views) is bumped; a tensor with history gets the view op's node as its
``grad_fn``, so gradients flow back to its old shape (under ``no_grad`` the history is left as it is, as torch's).
Two pieces of bookkeeping keep later in-place writes right: a view's recorded view ops gain the new op (its region
of the base is the re-shaped one), and the live views of a re-shaped base start their recorded ops with the op's
inverse (they were taken from the old shape).
"""

import numpy as np

from ..autograd import grad_mode
from ..autograd.tensor import Tensor
from .inplace import check_inplace_allowed, live_views
from .shape import Permute, Reshape, squeeze, t, transpose, unsqueeze

__all__ = ["squeeze_", "swapaxes_", "swapdims_", "t_", "transpose_", "unsqueeze_"]


def _inverse(op, options, old_shape):
    """The view op that takes the re-shaped tensor back to ``old_shape`` (the ops here reshape or permute)."""
    if op is Permute:
        return Permute, {"axes": tuple(int(a) for a in np.argsort(options["axes"]))}
    return Reshape, {"shape": old_shape}


def _restride_inplace(x, view_op, *args):
    """Make ``x`` its own view ``view_op(x, *args)`` in place (metadata only); returns ``x``."""
    check_inplace_allowed(x)
    old = Tensor._wrap(x._data)
    old.grad_fn, old.requires_grad = x.grad_fn, x.requires_grad
    old._base, old._view_ops, old._version_counter = x._base, x._view_ops, x._shared_version_counter()
    result = view_op(old, *args)
    if result is old:  # nothing to change (squeeze_ without size-1 dims, t_ of a vector): torch still counts it
        x._shared_version_counter()[0] += 1
        return x
    x._data = result._data
    if grad_mode.is_grad_enabled():  # under no_grad torch keeps the history (and a leaf's requires_grad) as it is
        x.grad_fn, x.requires_grad = result.grad_fn, result.requires_grad
    step = result._view_ops[-1]
    if x._base is not None:
        x._view_ops = x._view_ops + (step,)
    for view in live_views(x):  # views taken from x's old shape
        view._view_ops = (_inverse(*step, old.shape),) + view._view_ops
    x._shared_version_counter()[0] += 1
    return x


def squeeze_(self, dim=None):
    """In place ``self = self.squeeze(dim)``: the size-1 dims (all, or those of ``dim``) removed from ``self``'s
    shape, sharing its memory; returns ``self``. Gradient: ``g`` reshaped back.

    >>> minigrad.zeros(2, 1, 3).squeeze_().shape
    (2, 3)
    """
    return _restride_inplace(self, squeeze, dim)


def unsqueeze_(self, dim):
    """In place ``self = self.unsqueeze(dim)``: a size-1 dim inserted at ``dim``; returns ``self``. Gradient:
    ``g`` with that dim removed.

    >>> minigrad.zeros(2, 3).unsqueeze_(0).shape
    (1, 2, 3)
    """
    return _restride_inplace(self, unsqueeze, dim)


def transpose_(self, dim0, dim1):
    """In place ``self = self.transpose(dim0, dim1)``: the two dims swapped in ``self``'s shape and strides;
    returns ``self``. Gradient: ``g`` with the dims swapped back.

    >>> minigrad.zeros(2, 3).transpose_(0, 1).shape
    (3, 2)
    """
    return _restride_inplace(self, transpose, dim0, dim1)


def t_(self):
    """In place ``self = self.t()`` (a matrix transposed, a vector or scalar unchanged); returns ``self``.
    Gradient: ``g`` transposed back.

    >>> minigrad.tensor([[1, 2]]).t_()
    tensor([[1],
            [2]])
    """
    return _restride_inplace(self, t)


def swapaxes_(self, axis0, axis1):
    """In place ``self = self.swapaxes(axis0, axis1)`` (``transpose_``, NumPy's name); returns ``self``.
    Gradient: ``g`` with the dims swapped back.

    >>> minigrad.zeros(2, 3).swapaxes_(0, 1).shape
    (3, 2)
    """
    return _restride_inplace(self, transpose, axis0, axis1)


def swapdims_(self, dim0, dim1):
    """In place ``self = self.swapdims(dim0, dim1)`` (``transpose_``); returns ``self``. Gradient: ``g`` with the
    dims swapped back.

    >>> minigrad.zeros(2, 3).swapdims_(0, 1).shape
    (3, 2)
    """
    return _restride_inplace(self, transpose, dim0, dim1)
