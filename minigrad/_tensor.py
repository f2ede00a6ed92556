"""The ``Tensor``: a NumPy array plus what reverse-mode autodiff needs.

A Tensor holds

* ``data``: the values, a ``numpy.ndarray``;
* ``requires_grad``: whether gradients should flow to it;
* ``grad_fn``: the ``Function`` node that produced it (None for a *leaf*: a tensor made by the user);
* ``grad``: after ``backward()``, the gradient of the output w.r.t. this tensor (leaves only, like torch).

Every method that computes something is one line that calls an op from ``minigrad.ops``, where the forward and
backward formulas live.
"""
import builtins
import weakref
from collections import namedtuple

import numpy as np

from . import _dtype
from .autograd import grad_mode

__all__ = ["Tensor", "tensor", "return_types"]

return_types = namedtuple("return_types", ["values", "indices"])  # what max(dim=...) and min(dim=...) return


def _infer_array(data, dtype):
    """Turn ``data`` into an array with torch's dtype rules: Python floats give float32, ints int64."""
    if isinstance(data, Tensor):
        array = data.data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    else:
        array = np.array(data)
        if dtype is None:  # (with a dtype, Python numbers go straight to it: 0.1 in float64 is not float32's 0.1)
            if array.dtype == np.float64:
                array = array.astype(np.float32)
            elif array.dtype.kind in "iu":
                array = array.astype(np.int64)
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is not None:
        array = array.astype(_dtype.as_numpy_dtype(dtype), copy=False)
    _dtype.from_numpy_dtype(array.dtype)  # raises TypeError for unsupported dtypes
    return array


class Tensor:
    """A multi-dimensional array that records the operations applied to it for automatic differentiation."""

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_hooks", "__weakref__")
    __array_ufunc__ = None  # make NumPy defer to Tensor's reflected operators (ndarray + Tensor -> Tensor)

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = _infer_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array):
        """Wrap an existing array without copying or checking (the fast path used by every op)."""
        t = object.__new__(Tensor)
        t.data = array
        t.grad = None
        t.grad_fn = None
        t._hooks = None
        t.requires_grad = False
        return t

    # ---------------------------------------------------------------------------------------- attributes
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self.data.dtype)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def device(self):
        return "cpu"

    @property
    def T(self):
        """All dims reversed (the transpose for a matrix)."""
        return self.permute(*reversed(range(self.ndim))) if self.ndim > 1 else self

    @property
    def mT(self):
        """The last two dims swapped (a batch of transposed matrices)."""
        return self.transpose(-2, -1)

    def size(self, dim=None):
        if dim is None:
            return self.data.shape
        from .ops.shape import normalize_dim
        return self.data.shape[normalize_dim(dim, self.ndim)]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def element_size(self):
        return self.data.itemsize

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

    def is_contiguous(self):
        return self.data.flags.c_contiguous

    # ---------------------------------------------------------------------------------------- conversion
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """The same values, cut from the graph (shares memory, like torch)."""
        return Tensor._wrap(self.data)

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self):
        from .ops.elementwise import Clone
        return Clone.apply(self)

    def contiguous(self):
        return self if self.data.flags.c_contiguous else self.clone()

    def to(self, *args, dtype=None, copy=False, **kwargs):
        """``to(dtype)``; a device (``'cpu'``) is accepted and ignored, so torch code runs unchanged."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str) or arg is None:
                if arg not in (None, "cpu") and not str(arg).startswith("cpu"):
                    raise RuntimeError(f"minigrad runs on the CPU only; got device {arg!r}")
            else:
                dtype = arg
        if dtype is None:
            return self.clone() if copy else self
        target = _dtype.as_numpy_dtype(dtype)
        if target == self.data.dtype and not copy:
            return self
        from .ops.elementwise import Cast
        return Cast.apply(self, target)

    def cpu(self):
        return self

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool)

    # ------------------------------------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor w.r.t. every leaf that requires grad into their ``.grad``.

        ``gradient`` is dL/d(self), needed unless this tensor has one element. ``retain_graph`` (default:
        ``create_graph``) keeps the graph for another backward; ``create_graph`` records the backward itself so
        the gradients can be differentiated again.
        """
        from .autograd.engine import run_backward
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported; use minigrad.autograd.grad")
        run_backward([self], [gradient], retain_graph=create_graph if retain_graph is None else retain_graph,
                     create_graph=create_graph)

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = builtins.bool(requires_grad)
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None result replaces the gradient.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            hooks = self.grad_fn.output_hooks
            if hooks is None:
                hooks = self.grad_fn.output_hooks = []
        else:
            hooks = self._hooks
            if hooks is None:
                hooks = self._hooks = []
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self):
        """Make ``backward`` also store this non-leaf tensor's gradient in ``.grad``."""
        if self.grad_fn is None:
            return
        this = weakref.ref(self)

        def store(grad):
            tensor = this()
            if tensor is not None:
                tensor.grad = grad.detach() if tensor.grad is None else \
                    Tensor._wrap(np.asarray(tensor.grad.data + grad.data))  # (0-d + 0-d is a NumPy scalar)
        self.register_hook(store)

    # ------------------------------------------------------------------------------------------- in-place
    def _check_inplace(self):
        if self.requires_grad and grad_mode.is_grad_enabled():
            if self.is_leaf:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            # In-place operations are not recorded, so backward would use the changed values (saved by the nodes
            # that consumed this tensor) with the graph of the old ones: silently wrong gradients. torch records
            # them (and refuses when a saved value changed); minigrad refuses all of them.
            raise RuntimeError("an in-place operation on a tensor that is part of the autograd graph: minigrad "
                               "does not record in-place operations, so its gradient would be wrong; use the "
                               "out-of-place form (y = y + 1, y = y.masked_fill(mask, v)) or detach() first")

    def _assign(self, array):
        self._check_inplace()
        self.data[...] = array
        return self

    def zero_(self):
        return self._assign(0)

    def fill_(self, value):
        return self._assign(value.data if isinstance(value, Tensor) else value)

    def copy_(self, source):
        return self._assign(np.broadcast_to(source.data if isinstance(source, Tensor) else source, self.shape))

    def _update(self, result):
        """Write the out-of-place ``result`` of an in-place op into this tensor, refusing what torch refuses: a
        result that broadcasts to another shape, or of a higher category (a float result into an integer tensor)."""
        if result.shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
        if not _dtype.can_cast(result.data.dtype, self.data.dtype):
            raise RuntimeError(f"result type {_dtype.torch_name(result.data.dtype)} can't be cast to the desired "
                               f"output type {_dtype.torch_name(self.data.dtype)}")
        return self._assign(result.data)

    # the in-place arithmetic runs the out-of-place ops on this tensor's values, so dtype promotion and torch's
    # float16-by-scalar rule (see ops.elementwise) are the same in both forms
    def add_(self, other, alpha=1):
        return self._update(_ew.add(Tensor._wrap(self.data), _times_alpha(other, alpha)))

    def sub_(self, other, alpha=1):
        return self._update(_ew.sub(Tensor._wrap(self.data), _times_alpha(other, alpha)))

    def mul_(self, other):
        return self._update(_ew.mul(Tensor._wrap(self.data), _detached(other)))

    def div_(self, other):
        return self._update(_ew.div(Tensor._wrap(self.data), _detached(other)))

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._assign(np.clip(self.data, min, max))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from . import random
        return self._assign(random.generator(generator).uniform(a, b, self.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from . import random
        return self._assign(random.generator(generator).normal(mean, std, self.shape))

    def random_(self, low=0, high=None, generator=None):
        """Integers drawn uniformly from ``[low, high)`` (``random_(high)`` means ``[0, high)``)."""
        from . import random
        if high is None:
            low, high = 0, low
        return self._assign(random.generator(generator).integers(low, high, self.shape))

    def bernoulli_(self, p=0.5, generator=None):
        from . import random
        return self._assign(random.generator(generator).random(self.shape) < p)

    # ----------------------------------------------------------------------------------------- operators
    def __add__(self, other):
        return _ew.add(self, other)

    def __radd__(self, other):
        return _ew.add(other, self)

    def __sub__(self, other):
        return _ew.sub(self, other)

    def __rsub__(self, other):
        return _ew.sub(other, self)

    def __mul__(self, other):
        return _ew.mul(self, other)

    def __rmul__(self, other):  # a number times a tensor is the tensor times the number, as in torch
        return _ew.mul(self, other)

    def __truediv__(self, other):
        return _ew.div(self, other)

    def __rtruediv__(self, other):
        return _ew.div(other, self)

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.pow(other, self)

    def __matmul__(self, other):
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _linalg.matmul(other, self)

    def __neg__(self):
        return _ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __eq__(self, other):
        return _ew.compare(self, other, np.equal)

    def __ne__(self, other):
        return _ew.compare(self, other, np.not_equal)

    def __lt__(self, other):
        return _ew.compare(self, other, np.less)

    def __le__(self, other):
        return _ew.compare(self, other, np.less_equal)

    def __gt__(self, other):
        return _ew.compare(self, other, np.greater)

    def __ge__(self, other):
        return _ew.compare(self, other, np.greater_equal)

    def __invert__(self):
        if self.data.dtype != np.bool_ and self.data.dtype.kind not in "iu":
            raise TypeError("~ (bitwise not) is only supported for integer and bool tensors")
        return Tensor._wrap(np.asarray(~self.data))  # (NumPy gives scalars for 0-d results)

    def _bitwise(self, other, operation, name):
        """``&``, ``|`` or ``^`` on integer and bool tensors, with torch's dtype promotion (not NumPy's)."""
        target = _dtype.result_type(self.data, _data(other))
        if target.kind not in "biu":
            raise NotImplementedError(f"\"bitwise_{name}_cpu\" not implemented for '{_dtype.torch_name(target)}'")
        return Tensor._wrap(np.asarray(operation(self.data.astype(target, copy=False),
                                                 np.asarray(_data(other)).astype(target, copy=False))))

    def __and__(self, other):
        return self._bitwise(other, np.bitwise_and, "and")

    def __or__(self, other):
        return self._bitwise(other, np.bitwise_or, "or")

    def __xor__(self, other):
        return self._bitwise(other, np.bitwise_xor, "xor")

    __hash__ = object.__hash__

    def __getitem__(self, key):
        return _shape.index(self, key)

    def __setitem__(self, key, value):
        self._check_inplace()
        key, value = _shape.index_arrays(key)[0], _data(value)
        target, split = self.data, _shape.selections_first(key)
        if split is not None:  # torch's order: the integers select a view, the index arrays then write into it
            target, key = target[split[0]], split[1]
        try:
            target[key] = value
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast "
                               f"to indexing result of shape {list(target[key].shape)}") from None

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.data)

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4, floatmode="maxprec_equal",
                               prefix="tensor(", suppress_small=False)
        extras = []
        default = {np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_)}
        if self.data.dtype not in default or self.data.size == 0:
            extras.append(f"dtype={self.dtype!r}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __reduce_ex__(self, protocol):
        return (Tensor, (self.data, None, self.requires_grad))

    # ------------------------------------------------------------------------------------- elementwise
    def exp(self):
        return _ew.exp(self)

    def log(self):
        return _ew.log(self)

    def log1p(self):
        return _ew.log1p(self)

    def expm1(self):
        return _ew.expm1(self)

    def sqrt(self):
        return _ew.sqrt(self)

    def sin(self):
        return _ew.sin(self)

    def cos(self):
        return _ew.cos(self)

    def tanh(self):
        return _ew.tanh(self)

    def sigmoid(self):
        return _ew.sigmoid(self)

    def relu(self):
        return _ew.relu(self)

    def abs(self):
        return _ew.abs(self)

    def neg(self):
        return _ew.neg(self)

    def add(self, other, alpha=1):
        return _ew.add(self, other if alpha == 1 else _ew.mul(other, alpha))

    def sub(self, other, alpha=1):
        return _ew.sub(self, other if alpha == 1 else _ew.mul(other, alpha))

    def mul(self, other):
        return _ew.mul(self, other)

    def div(self, other):
        return _ew.div(self, other)

    def pow(self, exponent):
        return _ew.pow(self, exponent)

    def square(self):
        return _ew.mul(self, self)

    def reciprocal(self):
        return _ew.div(1.0, self)

    def clamp(self, min=None, max=None):  # noqa: A002
        return _ew.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):  # noqa: A002
        return _ew.clamp(self, min, None)

    def clamp_max(self, max):  # noqa: A002
        return _ew.clamp(self, None, max)

    def maximum(self, other):
        return _ew.maximum(self, other)

    def minimum(self, other):
        return _ew.minimum(self, other)

    def where(self, condition, other):
        return _ew.where(condition, self, other)

    def masked_fill(self, mask, value):
        return _shape.masked_fill(self, mask, value)

    def sign(self):
        return _ew.sign(self)

    def floor(self):
        return _ew.floor(self)

    def ceil(self):
        return _ew.ceil(self)

    def round(self, decimals=0):
        return _ew.round(self, decimals)

    def isnan(self):
        return _ew.isnan(self)

    def isinf(self):
        return _ew.isinf(self)

    def isfinite(self):
        return _ew.isfinite(self)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def softmax(self, dim, dtype=None):
        return _act.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _act.log_softmax(self, dim, dtype)

    # --------------------------------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim=False, dtype=None):
        return _reduce.sum(self, dim, keepdim, dtype)

    def mean(self, dim=None, keepdim=False, dtype=None):
        return _reduce.mean(self, dim, keepdim, dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return _ew.maximum(self, dim)
        return _reduce.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return _ew.minimum(self, dim)
        return _reduce.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _reduce.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _reduce.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _reduce.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _reduce.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return _reduce.logsumexp(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False):
        return _reduce.norm(self, p, dim, keepdim)

    def all(self, dim=None, keepdim=False):  # (uint8 in, uint8 out, as torch)
        result = self.data.all(axis=self._axes(dim), keepdims=keepdim)
        return Tensor._wrap(np.asarray(result, dtype=np.uint8 if self.data.dtype == np.uint8 else np.bool_))

    def any(self, dim=None, keepdim=False):
        result = self.data.any(axis=self._axes(dim), keepdims=keepdim)
        return Tensor._wrap(np.asarray(result, dtype=np.uint8 if self.data.dtype == np.uint8 else np.bool_))

    def _axes(self, dim):
        """``dim`` checked as torch does (IndexError, not NumPy's AxisError), as NumPy axes."""
        return None if dim is None else _shape.normalize_dims(dim, self.ndim)

    # -------------------------------------------------------------------------------------------- shape
    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def view(self, *shape):
        return _shape.reshape(self, *shape)

    def view_as(self, other):
        return _shape.reshape(self, other.shape)

    def reshape_as(self, other):
        return _shape.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _shape.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.T

    def permute(self, *dims):
        return _shape.permute(self, *dims)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def expand_as(self, other):
        return _shape.expand(self, *other.shape)

    def gather(self, dim, index):
        return _shape.gather(self, dim, index)

    def matmul(self, other):
        return _linalg.matmul(self, other)

    def mm(self, other):
        return _linalg.mm(self, other)

    def dot(self, other):
        return _linalg.dot(self, other)


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _detached(value):
    return Tensor._wrap(value.data) if isinstance(value, Tensor) else value


def _times_alpha(value, alpha):
    return _detached(value) if alpha == 1 else _detached(value) * alpha


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def tensor(data, dtype=None, requires_grad=False, device=None):
    """Make a new leaf tensor from ``data`` (a list, number, NumPy array or Tensor; always copied).

    Python floats give float32, ints int64, bools bool; a NumPy array keeps its dtype unless ``dtype`` is given.
    """
    if device not in (None, "cpu"):
        raise RuntimeError(f"minigrad runs on the CPU only; got device {device!r}")
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


from .ops import activation as _act  # noqa: E402  (the ops need Tensor defined first)
from .ops import elementwise as _ew  # noqa: E402
from .ops import linalg as _linalg  # noqa: E402
from .ops import reduce as _reduce  # noqa: E402
from .ops import shape as _shape  # noqa: E402
