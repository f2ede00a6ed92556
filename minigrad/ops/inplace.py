"""In-place operations (``add_``, ``x += y``, ``x[i] = v``, ``relu_``, ``zero_``...) and how they enter the graph.

An in-place op here is its out-of-place op run on the tensor's current value, then written back into the
tensor's memory (so dtype promotion and every torch rule are the same in both forms). When grad mode is on and a
gradient is involved, the write is recorded as torch records it:

* the tensor's version counter is bumped, so a backward that saved the old value raises instead of silently
  using the new one;
* the tensor's ``grad_fn`` becomes the op's node, fed by a snapshot of the old value's history;
* on a view, the write changes the base too: the base's history becomes ``CopySlices(old base, new region)``,
  and every live view of the base gets its history rebuilt from that (replaying its view ops).

A leaf that requires grad (or a view of one) refuses in-place changes while grad mode is on, as in torch; inside
``no_grad`` they are allowed and unrecorded (what optimizers do).
"""

import numpy as np

from .. import _dtype
from .. import random as _random
from ..autograd import grad_mode
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import elementwise, shape
from ._util import data_of, wrap
from .activation import relu, sigmoid, tanh
from .scalar_first import scalar_first
from .shape import shape_argument

__all__ = ["apply_inplace", "setitem"]


class CopySlices(Function):
    """The base of a view after an in-place write to the view: ``base`` with the view's region replaced by
    ``value``. Gradients: ``base`` gets ``g`` with that region zeroed, ``value`` gets the region of ``g``."""

    keeps_inputs = False

    def forward(self, base, value, *, view_ops):
        self.mask = np.ones(base.shape, dtype=bool)
        shape.replay_views(Tensor._wrap(self.mask), view_ops)._data[...] = False
        return base  # the write has already happened, in place

    def backward(self, grad):
        need_base, need_value = self.needs_input_grad
        return (
            grad * wrap(self.mask.astype(grad._data.dtype)) if need_base else None,
            shape.replay_views(grad, self.options["view_ops"]) if need_value else None,
        )


def check_inplace_allowed(tensor):
    """Raise torch's RuntimeError when grad mode is on and ``tensor`` is (a view of) a leaf that requires grad."""
    if not grad_mode.is_grad_enabled():
        return
    if tensor.requires_grad and tensor.is_leaf:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = tensor._base
    if base is not None and base.requires_grad and base.is_leaf:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _snapshot(tensor):
    """The tensor's current value and history, frozen: what the recorded op reads in its backward."""
    old = Tensor._wrap(tensor._data.copy())
    old.grad_fn, old.requires_grad = tensor.grad_fn, tensor.requires_grad
    return old


def _write(tensor, result):
    """Write ``result``'s values into ``tensor``'s memory, refusing what torch refuses."""
    if result.shape != tensor.shape:
        raise RuntimeError(
            f"output with shape {list(tensor.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    if not _dtype.can_cast(result._data.dtype, tensor._data.dtype):
        raise RuntimeError(
            f"result type {_dtype.torch_name(result._data.dtype)} can't be cast to the desired "
            f"output type {_dtype.torch_name(tensor._data.dtype)}"
        )
    if not tensor._data.flags.writeable:  # an expand()ed tensor: many elements share one memory location
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    tensor._data[...] = result._data
    tensor._shared_version_counter()[0] += 1


def live_views(base):
    """The views taken of ``base`` under grad mode that are still alive (``function._record_view`` lists them as
    weak references)."""
    views = [reference() for reference in list(base._views or ())]
    return [view for view in views if view is not None]


def _rebuild_views(base):
    """Give every live view of ``base`` the history of its region of ``base``'s new value."""
    with grad_mode.enable_grad():
        for view in live_views(base):
            fresh = shape.replay_views(base, view._view_ops)
            view.grad_fn, view.requires_grad = fresh.grad_fn, fresh.requires_grad


def _record(tensor, result):
    """Make ``result``'s node the tensor's history (through ``CopySlices`` on its base for a view)."""
    if result._data.dtype != tensor._data.dtype:
        result = result.to(tensor._data.dtype)
    base = tensor._base
    if base is None:
        tensor.grad_fn, tensor.requires_grad = result.grad_fn, True
        if tensor._views:
            _rebuild_views(tensor)
        return
    old_base = Tensor._wrap(base._data)
    old_base.grad_fn, old_base.requires_grad = base.grad_fn, base.requires_grad
    new_base = CopySlices.apply(old_base, result, view_ops=tensor._view_ops)
    base.grad_fn, base.requires_grad = new_base.grad_fn, True
    _rebuild_views(base)


def apply_inplace(tensor, operation, *args, **kwargs):
    """Change ``tensor`` in place to ``operation(tensor, *args, **kwargs)`` (an out-of-place op); returns it."""
    check_inplace_allowed(tensor)
    recording = grad_mode.is_grad_enabled() and (
        tensor.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args + tuple(kwargs.values()))
    )
    if not recording:
        with grad_mode.no_grad():
            _write(tensor, operation(Tensor._wrap(tensor._data), *args, **kwargs))
        return tensor
    result = operation(_snapshot(tensor), *args, **kwargs)
    _write(tensor, result)
    if not result.requires_grad:  # overwritten by constants: the old value gets a zero gradient
        result = elementwise.Step.apply(_snapshot(tensor), values=tensor._data.copy())
    _record(tensor, result)
    return tensor


# ---------------------------------------------------------------------------------- out-of-place bodies
def _filled(x, values):
    """``values`` (broadcast to ``x`` and cast to its dtype) in place of ``x``: a step with zero gradient."""
    return elementwise.Step.apply(x, values=np.array(np.broadcast_to(values, x.shape), dtype=x._data.dtype))


def _copied(x, source):
    """``source`` broadcast to ``x``'s shape and cast to its dtype: what ``copy_`` writes. The old value stays in
    the graph with a zero gradient, as torch's ``CopyBackwards`` gives it."""
    if not isinstance(source, Tensor):
        return _filled(x, np.asarray(source))
    if source._data.dtype != x._data.dtype:
        source = source.to(x._data.dtype)
    try:
        result = shape.expand(source, *x.shape) if source.shape != x.shape else elementwise.Clone.apply(source)
    except RuntimeError:
        raise RuntimeError(
            f"The size of tensor a ({x.shape[-1] if x.ndim else 1}) must match the size of tensor b "
            f"({source.shape[-1] if source.ndim else 1}) at non-singleton dimension "
            f"{x.ndim - 1}"
        ) from None
    return elementwise.add(result, _filled(x, 0)) if x.requires_grad else result


def _index_put(x, value, index):
    if isinstance(value, Tensor) and value._data.dtype != x._data.dtype:
        value = value.to(x._data.dtype)
    elif not isinstance(value, Tensor):
        value = np.asarray(value)
    return shape.IndexPut.apply(x, value, index=index)


def _without_leading_ones(value, ndim):
    """``value`` without the leading size-1 dims that make it longer than ``ndim`` dims: torch drops them before
    copying into a slice, so ``attentions[i] = weights`` works with ``weights`` of shape ``(1, n)``."""
    value_shape = np.shape(data_of(value))
    extra = 0
    while len(value_shape) - extra > ndim and value_shape[extra] == 1:
        extra += 1
    if not extra:
        return value
    if isinstance(value, Tensor):
        return shape.reshape(value, *value_shape[extra:])
    return np.reshape(value, value_shape[extra:])


def setitem(tensor, key, value):
    """``tensor[key] = value``: a copy into the view ``tensor[key]``, or an index-put for arrays and masks."""
    key, advanced = shape.index_arrays(key)
    split = shape.selections_first(key)
    if split is not None:  # torch's order: the integers select a view, the index arrays then write into it
        tensor, key = shape.Index.apply(tensor, index=split[0], advanced=False), split[1]
        advanced = True
    if not advanced:
        region = shape.Index.apply(tensor, index=key, advanced=False)
        value = _without_leading_ones(value, region.ndim)
        value_shape = np.shape(data_of(value))
        if len(value_shape) > region.ndim:
            raise RuntimeError(
                f"expand({list(value_shape)}, size={list(region.shape)}): the number of sizes provided "
                f"({region.ndim}) must be greater or equal to the number of dimensions in the tensor "
                f"({len(value_shape)})"
            )
        try:
            np.broadcast_shapes(value_shape, region.shape)
        except ValueError:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(value_shape)} cannot be "
                f"broadcast to indexing result of shape {list(region.shape)}"
            ) from None
        apply_inplace(region, _copied, value)
        return
    apply_inplace(tensor, _index_put, value, key)


# ------------------------------------------------------------------------------------ in-place methods
def _times_alpha(value, alpha):
    return value if alpha == 1 else elementwise.mul(value, alpha)


def add_(self, other, *deprecated, alpha=1):
    """In place ``self += alpha · other`` (broadcast to ``self``'s shape); returns ``self``. Gradient as ``add``
    (the graph records the in-place op). ``add_(alpha, other)``, torch's deprecated order, warns and works.

    >>> t = minigrad.zeros(2)
    >>> t.add_(minigrad.ones(2), alpha=3)
    tensor([3., 3.])
    """
    if deprecated:
        alpha, (other,) = scalar_first("add_", (other,), deprecated, alpha != 1)
    return apply_inplace(self, elementwise.add, _times_alpha(other, alpha))


def sub_(self, other, *deprecated, alpha=1):
    """In place ``self -= alpha · other``; returns ``self``. Gradient as ``sub``. ``sub_(alpha, other)`` (torch's
    deprecated order) warns and works.

    >>> minigrad.ones(2).sub_(0.5)
    tensor([0.5000, 0.5000])
    """
    if deprecated:
        alpha, (other,) = scalar_first("sub_", (other,), deprecated, alpha != 1)
    return apply_inplace(self, elementwise.sub, _times_alpha(other, alpha))


def mul_(self, other):
    """In place ``self *= other``; returns ``self``. Gradient as ``mul``.

    >>> minigrad.ones(2).mul_(3)
    tensor([3., 3.])
    """
    return apply_inplace(self, elementwise.mul, other)


def div_(self, other):
    """In place ``self /= other``; returns ``self``. Gradient as ``div``.

    >>> minigrad.ones(2).div_(4)
    tensor([0.2500, 0.2500])
    """
    return apply_inplace(self, elementwise.div, other)


def pow_(self, exponent):
    """In place ``self = self ** exponent``; returns ``self``. Gradient as ``pow``.

    >>> minigrad.tensor([2.0, 3.0]).pow_(2)
    tensor([4., 9.])
    """
    return apply_inplace(self, elementwise.pow, exponent)


def addcmul_(self, tensor1, tensor2, *deprecated, value=1):
    """In place ``self += value · tensor1 · tensor2``; returns ``self``. Gradient as the out-of-place
    ``addcmul``. ``addcmul_(value, tensor1, tensor2)`` (torch's deprecated order) warns and works.

    >>> minigrad.ones(1).addcmul_(minigrad.tensor([2.0]), minigrad.tensor([3.0]))
    tensor([7.])
    """
    if deprecated:
        value, (tensor1, tensor2) = scalar_first("addcmul_", (tensor1, tensor2), deprecated, value != 1)
    return apply_inplace(self, elementwise.addcmul, tensor1, tensor2, value)


def addcdiv_(self, tensor1, tensor2, *deprecated, value=1):
    """In place ``self += value · tensor1 / tensor2``; returns ``self``. Gradient as ``addcdiv``.
    ``addcdiv_(value, tensor1, tensor2)`` (torch's deprecated order) warns and works.

    >>> minigrad.ones(1).addcdiv_(minigrad.tensor([3.0]), minigrad.tensor([2.0]))
    tensor([2.5000])
    """
    if deprecated:
        value, (tensor1, tensor2) = scalar_first("addcdiv_", (tensor1, tensor2), deprecated, value != 1)
    return apply_inplace(self, elementwise.addcdiv, tensor1, tensor2, value)


def lerp_(self, end, weight):
    """In place ``self += weight · (end - self)``; returns ``self``. Gradient as ``lerp``.

    >>> minigrad.zeros(1).lerp_(minigrad.tensor([10.0]), 0.5)
    tensor([5.])
    """
    return apply_inplace(self, elementwise.lerp, end, weight)


def clamp_(self, min=None, max=None):  # noqa: A002 - torch's argument names
    """In place ``self = min(max(self, min), max)`` (either bound may be None); returns ``self``.
    Gradient: ``g`` inside the bounds, zero outside.

    >>> minigrad.tensor([-1.0, 0.5, 2.0]).clamp_(0, 1)
    tensor([0.0000, 0.5000, 1.0000])
    """
    return apply_inplace(self, elementwise.clamp, min, max)


def clamp_min_(self, min):  # noqa: A002
    """In place ``self = max(self, min)``; returns ``self``.

    Gradient: ``g`` where the old value is ``≥ min``, else 0.

    >>> minigrad.tensor([-1.0, 2.0]).clamp_min_(0)
    tensor([0., 2.])
    """
    return apply_inplace(self, elementwise.clamp, min, None)


def clamp_max_(self, max):  # noqa: A002
    """In place ``self = min(self, max)``; returns ``self``.

    Gradient: ``g`` where the old value is ``≤ max``, else 0.

    >>> minigrad.tensor([-1.0, 2.0]).clamp_max_(0)
    tensor([-1.,  0.])
    """
    return apply_inplace(self, elementwise.clamp, None, max)


def masked_fill_(self, mask, value):
    """In place: ``value`` where ``mask`` is True; returns ``self``. Gradient: zero at the filled
    positions.

    >>> minigrad.ones(3).masked_fill_(minigrad.tensor([True, False, True]), 0)
    tensor([0., 1., 0.])
    """
    return apply_inplace(self, elementwise.masked_fill, mask, value)


def zero_(self):
    """Fill ``self`` with zeros in place; returns ``self``.

    Gradient: 0 to the values it replaces.

    >>> minigrad.ones(2).zero_()
    tensor([0., 0.])
    """
    return apply_inplace(self, _filled, 0)


def fill_(self, value):
    """Fill ``self`` with ``value`` in place; returns ``self``. Gradient: zero for the old values.

    >>> minigrad.zeros(2).fill_(7)
    tensor([7., 7.])
    """
    return apply_inplace(self, _filled, data_of(value))


def copy_(self, source, non_blocking=False):
    """Copy ``source``'s values (broadcast, cast to ``self``'s dtype) into ``self`` in place; returns
    ``self``. Gradient: ``g`` goes to ``source`` (summed over broadcast dims), none to the old values.

    >>> minigrad.zeros(2).copy_(minigrad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    return apply_inplace(self, _copied, source)


def _unary_inplace(op):
    def method(self):
        return apply_inplace(self, op)

    method.__name__ = op.__name__ + "_"
    method.__doc__ = (
        f"In-place ``{op.__name__}``. Gradient: ``{op.__name__}``'s, at the values the tensor held before.\n\n"
        f">>> x = minigrad.tensor([0.25, 4.0])\n"
        f">>> x.{op.__name__}_() is x, bool((x == minigrad.tensor([0.25, 4.0]).{op.__name__}()).all())\n"
        "(True, True)"
    )
    return method


relu_ = _unary_inplace(relu)
sigmoid_ = _unary_inplace(sigmoid)
tanh_ = _unary_inplace(tanh)
exp_ = _unary_inplace(elementwise.exp)
log_ = _unary_inplace(elementwise.log)
sqrt_ = _unary_inplace(elementwise.sqrt)
neg_ = _unary_inplace(elementwise.neg)
abs_ = _unary_inplace(elementwise.abs)


def uniform_(self, a=0.0, b=1.0, generator=None):
    """Fill ``self`` in place with draws from ``U(a, b)``; returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> w = minigrad.empty(1000).uniform_(-1, 1)
    >>> bool(w.min() >= -1) and bool(w.max() < 1)
    True
    """
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return apply_inplace(self, _filled, _random.generator(generator).uniform(a, b, self.shape))


def normal_(self, mean=0.0, std=1.0, generator=None):
    """Fill ``self`` in place with draws from ``N(mean, std²)``; returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> minigrad.empty(2, 3).normal_(0, 0.02).shape
    (2, 3)
    """
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return apply_inplace(self, _filled, _random.generator(generator).normal(mean, std, self.shape))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill ``self`` in place with draws from the exponential distribution of rate ``lambd`` (density
    ``λ·exp(-λx)``, mean ``1/λ``); returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> bool((minigrad.empty(100).exponential_(2.0) >= 0).all())
    True
    """
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return apply_inplace(self, _filled, _random.generator(generator).exponential(1 / lambd, self.shape))


def geometric_(self, p, *, generator=None):
    """Fill ``self`` in place with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...;
    ``P(k) = (1-p)^(k-1)·p``); returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> bool((minigrad.empty(100).geometric_(0.5) >= 1).all())
    True
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return apply_inplace(self, _filled, _random.generator(generator).geometric(p, self.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill ``self`` in place with draws from the Cauchy distribution ``median + sigma·tan(π(U - 1/2))``;
    returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> minigrad.empty(3).cauchy_().shape
    (3,)
    """
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    draws = median + sigma * _random.generator(generator).standard_cauchy(self.shape)
    return apply_inplace(self, _filled, draws)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill ``self`` in place with ``exp(N(mean, std²))`` draws (``mean`` and ``std`` are those of the logarithm);
    returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> bool((minigrad.empty(100).log_normal_(0.0, 0.5) > 0).all())
    True
    """
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return apply_inplace(self, _filled, _random.generator(generator).lognormal(mean, std, self.shape))


def random_(self, low=0, high=None, generator=None):
    """Integers drawn uniformly from ``[low, high)`` (``random_(high)`` means ``[0, high)``).

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> minigrad.zeros(4).random_(3, 4)
    tensor([3., 3., 3., 3.])
    """
    if high is None:
        low, high = 0, low
    return apply_inplace(self, _filled, _random.generator(generator).integers(low, high, self.shape))


def resize_(self, *sizes, memory_format=None):
    """Give ``self`` the shape ``sizes`` (ints or one sequence) in place, keeping its first values in row-major
    order; returns ``self``. Where the new shape holds more elements, the new trailing ones are zero (torch leaves
    them uninitialised: do not rely on their value). Shrinking a contiguous tensor that is not a view keeps its
    memory; otherwise ``self`` gets new memory of its own and no longer shares it with a base or with views taken
    before. The version counter is bumped, as torch's.

    Not differentiable: refused for a tensor that requires grad, as torch does (its history would not describe the
    new shape).

    >>> minigrad.arange(4).resize_(2, 3)
    tensor([[0, 1, 2],
            [3, 0, 0]])
    """
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = shape_argument(sizes)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    count = int(np.prod(shape, dtype=np.int64))
    if shape != self.shape:
        if count <= self._data.size and self._data.flags.c_contiguous and self._base is None:
            self._data = self._data.reshape(-1)[:count].reshape(shape)
        else:
            resized = np.zeros(shape, dtype=self._data.dtype)
            kept = min(count, self._data.size)
            resized.reshape(-1)[:kept] = self._data.reshape(-1)[:kept]
            self._data = resized
            self._base = self._view_ops = None
        self._views = None  # views taken before describe the old shape: a later write could not replay them
    self._shared_version_counter()[0] += 1
    return self


def resize_as_(self, the_template, memory_format=None):
    """Give ``self`` the shape of ``the_template`` in place (``resize_(the_template.shape)``: its first values kept
    in row-major order, new trailing elements zero); returns ``self``. Not differentiable: refused for a tensor
    that requires grad.

    >>> minigrad.arange(6).resize_as_(minigrad.zeros(2, 3)).shape
    (2, 3)
    """
    return resize_(self, the_template.shape)


def bernoulli_(self, p=0.5, generator=None):
    """Fill ``self`` in place with 0/1 draws, 1 with probability ``p``; returns ``self``.

    Not differentiable: the draws replace the old values, which get no gradient.

    >>> set(minigrad.empty(100).bernoulli_(0.5).tolist()) <= {0.0, 1.0}
    True
    """
    return apply_inplace(self, _filled, _random.generator(generator).random(self.shape) < p)
