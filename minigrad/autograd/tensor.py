"""The ``Tensor``: a NumPy array plus what reverse-mode autodiff needs, and ``AccumulateGrad``, a leaf's node.

A Tensor holds

* ``_data``: the values, a ``numpy.ndarray`` (``t.numpy()`` hands it out; ``t.data`` is, as in torch, a detached
  Tensor over the same memory);
* ``requires_grad``: whether gradients should flow to it;
* ``grad_fn``: the ``Function`` node that produced it (None for a *leaf*: a tensor made by the user);
* ``grad``: after ``backward()``, the gradient of the output w.r.t. this tensor (leaves only, like torch);
* a version counter (``_version``), bumped by every in-place change and shared by a tensor and its views, so a
  backward can tell that a value it saved has since been overwritten;
* for a view (``x[0]``, ``x.t()``, ``x.view(6)``...): ``_base``, the tensor whose memory it shares, and
  ``_view_ops``, the view ops that make it from ``_base`` (replayed to rebuild its history after an in-place change).

This module defines no operations: ``minigrad.ops.methods`` binds ``+``, ``exp``, ``sum``... onto Tensor from the
layer above, so the core never imports the ops.
"""

import builtins
import threading
import weakref
from collections import namedtuple
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from .. import _device, _dtype, _shared, _tensor_str
from . import engine
from .hooks import RemovableHandle
from .node import _Node

__all__ = ["Tensor", "tensor", "return_types", "AccumulateGrad"]

return_types = namedtuple("return_types", ["values", "indices"])  # what max(dim=...) and min(dim=...) return
# the seed of a 0-d float tensor's backward, copied (never handed out: it may become a leaf's .grad)
_SCALAR_ONES = {np.dtype(t): np.ones((), t) for t in (np.float32, np.float64)}

if TYPE_CHECKING:
    _Operand = Union["Tensor", float, int, bool]


def _infer_array(data, dtype):
    """Turn ``data`` into an array with torch's dtype rules: Python floats give float32, ints int64."""
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    else:
        array = np.array(data)
        if dtype is None:  # (with a dtype, Python numbers go straight to it: 0.1 in float64 is not float32's 0.1)
            if array.dtype == np.float64:
                array = array.astype(_dtype.get_default_dtype().numpy)
            elif array.dtype.kind in "iu":
                array = array.astype(np.int64)
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is not None:
        array = array.astype(_dtype.as_numpy_dtype(dtype), copy=False)
    _dtype.from_numpy_dtype(array.dtype)  # raises TypeError for unsupported dtypes
    return array


def legacy_array(args, dtype):
    """The array of torch's legacy constructors (``torch.Tensor(...)``, ``torch.FloatTensor(...)``) in ``dtype``:
    ``()`` -> empty 1-D; integer sizes ``(2, 3)`` -> uninitialised of that shape; one sequence or array -> its values.
    A number that is not a size raises TypeError (torch: "data must be a sequence"), as does any other mix."""
    if not args:
        return np.empty((0,), dtype=dtype.numpy)
    if all(isinstance(a, (builtins.int, np.integer)) and not isinstance(a, (builtins.bool, np.bool_)) for a in args):
        if any(a < 0 for a in args):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(args)}: {list(args)}")
        return np.empty(tuple(builtins.int(a) for a in args), dtype=dtype.numpy)
    if len(args) == 1 and not isinstance(args[0], (builtins.int, builtins.float, builtins.bool, np.generic, str)):
        data = args[0]
        return _infer_array(data._data if isinstance(data, Tensor) else data, dtype)
    got = ", ".join(type(a).__name__ for a in args)
    if len(args) == 1:
        raise TypeError(f"new(): data must be a sequence (got {got})")
    raise TypeError(f"new() received an invalid combination of arguments - got ({got}), expected sizes or one sequence")


class _TensorBase:
    """A Tensor's fields. Compiled, this is an extension type (``tensor.pxd``): the core reads and writes them as C
    struct members. ``Tensor`` subclasses it as a Python class, so ``minigrad.ops.methods`` can still bind the ops
    onto Tensor at import (an extension type refuses new attributes)."""

    __slots__ = {  # a dict: the values are the public attributes' docstrings
        "_data": None,
        "grad": "The gradient ``backward`` accumulated into this leaf (a Tensor of its shape), None until then.\n\n"
        ">>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)\n"
        ">>> print(w.grad)\nNone\n>>> (3 * w).sum().backward()\n>>> w.grad\ntensor([3., 3.])",
        "requires_grad": "Whether autograd records the ops applied to this tensor (set on leaves with "
        "``requires_grad_``).\n\n"
        ">>> w = minigrad.tensor([1.0], requires_grad=True)\n"
        ">>> w.requires_grad, (w * 2).requires_grad, minigrad.zeros(1).requires_grad\n(True, True, False)",
        "grad_fn": "The graph node (a ``Function``) that computed this tensor; None for leaves.\n\n"
        ">>> w = minigrad.tensor([1.0], requires_grad=True)\n"
        ">>> print(w.grad_fn)\nNone\n>>> type((w * 2).grad_fn).__name__\n'Mul'",
        "_hooks": None,
        "_version_counter": None,
        "_base": None,
        "_view_ops": None,
        "_views": None,
        "_accumulator": None,
        "__weakref__": None,
    }

    if TYPE_CHECKING:  # the slots' types, for mypy (compiled: tensor.pxd declares them)
        _data: np.ndarray
        grad: Optional["Tensor"]
        requires_grad: bool
        grad_fn: Any
        _hooks: Optional[dict]
        _version_counter: Optional[list]
        _base: Optional["Tensor"]
        _view_ops: Optional[tuple]
        _views: Optional[dict]
        _accumulator: Optional["AccumulateGrad"]


def _wrap_array(array) -> "Tensor":
    """A Tensor over ``array``, without copying or checking (``Tensor._wrap``, the fast path used by every op)."""
    kind: type = Tensor  # (compiled: typed, so kind.__new__(kind) is a direct call of the C constructor)
    t: _TensorBase = kind.__new__(kind)  # type: ignore[call-overload]
    t._data = array
    t.grad = t.grad_fn = t._hooks = t._version_counter = t._base = t._view_ops = t._views = t._accumulator = None
    t.requires_grad = False
    return t  # type: ignore[return-value]  # (an instance of Tensor, typed by its fields)


_GRAD_SLOT: Any = vars(_TensorBase)["grad"]  # the slot's descriptor (compiled: the C struct member's)


def _read_grad(tensor):
    """The gradient ``backward`` accumulated into this leaf (a Tensor of its shape), None until then. Assigning it
    anything but None or a Tensor of the leaf's shape raises, as in torch (TypeError for a non-Tensor).

    >>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> (3 * w).sum().backward()
    >>> w.grad
    tensor([3., 3.])
    >>> w.grad = None
    """
    return _GRAD_SLOT.__get__(tensor)


def _assign_grad(tensor, grad):
    """``tensor.grad = grad`` written in Python: torch's checks (a Tensor of ``tensor``'s shape, or None), then the
    slot. The core writes the slot directly (compiled: as a struct member, typed ``_TensorBase``), so backward's
    writes cost nothing more."""
    if grad is not None:
        if not isinstance(grad, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(grad).__name__}")
        if grad._data.shape != tensor._data.shape:
            raise RuntimeError(
                f"attempting to assign a gradient of size '{list(grad._data.shape)}' to a tensor of size "
                f"'{list(tensor._data.shape)}'. Please ensure that the gradient and the tensor are the same size"
            )
    _GRAD_SLOT.__set__(tensor, grad)


class Tensor(_TensorBase):
    """A multi-dimensional array that records the operations applied to it for automatic differentiation.

    >>> t = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> (t * t).sum().backward()
    >>> t.grad
    tensor([2., 4.])
    """

    __slots__ = ()
    __array_ufunc__ = None  # make NumPy defer to Tensor's reflected operators (ndarray + Tensor -> Tensor)
    grad = property(_read_grad, _assign_grad)

    def __init__(self, *args, device=None):
        """torch's legacy constructor, as old scripts call it (``nn.Parameter(torch.Tensor(out, in))``): integer
        sizes give an uninitialised tensor of the default float dtype, data (a sequence or an array) is copied into
        one, a Tensor is shared as it is, no argument gives an empty one. ``minigrad.tensor`` is the modern form.

        >>> minigrad.Tensor(2, 3).shape, minigrad.Tensor([1, 2])
        ((2, 3), tensor([1., 2.]))
        """
        _device.check(device)
        source = args[0] if len(args) == 1 and isinstance(args[0], Tensor) else None
        Tensor._init(self, source._data if source is not None else legacy_array(args, _dtype.get_default_dtype()))
        if source is not None:
            self._version_counter = source._shared_version_counter()

    @staticmethod
    def _new(data, dtype=None, requires_grad=False):
        """A new leaf holding a copy of ``data`` under torch's dtype rules (what ``minigrad.tensor`` makes)."""
        t = _wrap_array(_infer_array(data, dtype))
        if requires_grad:
            t.requires_grad_(True)
        return t

    def _init(self, array):
        self._data = array
        self.grad = self.grad_fn = self._hooks = self._version_counter = None
        self._base = self._view_ops = self._views = self._accumulator = None
        self.requires_grad = False

    _wrap = staticmethod(_wrap_array)

    # ---------------------------------------------------------------------------------------- attributes
    @property
    def data(self: _TensorBase):
        """The values as a tensor outside the graph, sharing memory (but not the version counter), as torch's
        ``.data``: ``p.data.add_(...)`` changes ``p`` without recording and without a version bump.

        >>> w = minigrad.ones(2, requires_grad=True)
        >>> _ = w.data.mul_(3)  # not recorded: w stays a leaf
        >>> w
        tensor([3., 3.], requires_grad=True)
        """
        return _wrap_array(self._data)

    @data.setter
    def data(self: _TensorBase, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self: _TensorBase) -> tuple[int, ...]:
        """The size of each dim, a tuple of ints (``Tensor.size()`` gives the same).

        >>> minigrad.zeros(2, 3).shape
        (2, 3)
        """
        return self._data.shape

    @property
    def ndim(self: _TensorBase) -> int:
        """The number of dims (``len(shape)``).

        >>> minigrad.zeros(2, 3).ndim
        2
        """
        return self._data.ndim

    @property
    def dtype(self) -> _dtype.dtype:
        """The element type, a ``minigrad.dtype`` (``minigrad.float32``, ``minigrad.int64``, ...).

        >>> minigrad.tensor([1, 2]).dtype
        minigrad.int64
        """
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def is_leaf(self: _TensorBase) -> bool:
        """Whether this tensor was not computed by a recorded op (``grad_fn is None``): a leaf that
        requires grad gets its ``.grad`` filled by ``backward``.

        >>> w = minigrad.ones(2, requires_grad=True)
        >>> w.is_leaf, (w * 2).is_leaf
        (True, False)
        """
        return self.grad_fn is None

    @property
    def device(self):
        """Where the values live: always ``device(type='cpu')``.

        >>> minigrad.zeros(1).device
        device(type='cpu')
        """
        return _device.CPU

    @property
    def is_cpu(self) -> bool:
        """True: minigrad's tensors live in CPU memory (torch's ``is_cpu``).

        >>> minigrad.zeros(1).is_cpu
        True
        """
        return True

    @property
    def is_cuda(self) -> bool:
        """False, and likewise ``is_mps``, ``is_xpu``, ``is_meta``, ``is_sparse``, ``is_quantized``: the flags that
        scripts test before a device- or layout-specific path (``if x.is_cuda and ngpu > 1``).

        >>> minigrad.zeros(1).is_cuda, minigrad.zeros(1).is_cpu
        (False, True)
        """
        return False

    is_mps = is_xpu = is_meta = is_sparse = is_quantized = is_cuda

    @property
    def _version(self: _TensorBase):
        """How many in-place changes this tensor's memory has seen (shared with its views, as in torch)."""
        return 0 if self._version_counter is None else self._version_counter[0]

    def _shared_version_counter(self: _TensorBase):
        """The version counter, created on first need (most tensors are never changed in place)."""
        if self._version_counter is None:
            self._version_counter = [0]
        return self._version_counter

    def _is_view(self):
        return self._base is not None

    def size(self, dim: Optional[int] = None) -> Any:
        """The shape, or the size of dim ``dim`` (negative counts from the end).

        >>> minigrad.zeros(2, 3).size(-1)
        3
        """
        if dim is None:
            return self._data.shape
        bound = builtins.max(self._data.ndim, 1)
        if not isinstance(dim, (builtins.int, np.integer)) or isinstance(dim, builtins.bool):
            raise TypeError(f"dim must be an int, but got {type(dim).__name__}")
        if not -bound <= dim < bound:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
            )
        return self._data.shape[dim] if self._data.ndim else 1

    def dim(self) -> int:
        """The number of dims (``ndim``).

        >>> minigrad.zeros(2, 3).dim()
        2
        """
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements (the product of the shape).

        >>> minigrad.zeros(2, 3).numel()
        6
        """
        return self._data.size

    def element_size(self) -> int:
        """The size of one element in bytes.

        >>> minigrad.zeros(1).element_size(), minigrad.zeros(1, dtype=minigrad.float64).element_size()
        (4, 8)
        """
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one.

        >>> minigrad.zeros(1).is_floating_point(), minigrad.arange(3).is_floating_point()
        (True, False)
        """
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        """Whether the values are laid out C-contiguously in memory.

        >>> x = minigrad.zeros(2, 3)
        >>> x.is_contiguous(), x.t().is_contiguous()
        (True, False)
        """
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        """The step, in elements, between neighbours along each dim (NumPy's byte strides over the item size).

        >>> minigrad.zeros(2, 3).stride()
        (3, 1)
        """
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def nelement(self) -> int:
        """The number of elements (alias of ``numel``).

        >>> minigrad.zeros(2, 3).nelement()
        6
        """
        return self._data.size

    # ---------------------------------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The NumPy array behind this tensor (shared memory); refused while it requires grad, as in torch.

        >>> minigrad.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __dlpack__(self, *args, **kwargs):
        """The DLPack capsule of the values (zero-copy: ``torch.from_dlpack(t)`` and ``np.from_dlpack(t)`` share
        this tensor's memory)."""
        if self.requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        >>> minigrad.tensor([2.5]).item()
        2.5
        """
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers.

        >>> minigrad.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return self._data.tolist()

    def detach(self: _TensorBase) -> "Tensor":
        """The same values cut from the graph: shares memory and the version counter with this tensor, as torch.

        >>> w = minigrad.ones(2, requires_grad=True)
        >>> (w * 2).detach().requires_grad
        False
        """
        t = _wrap_array(self._data)
        counter = self._version_counter  # (_shared_version_counter, inlined: every benchmark step detaches twice)
        if counter is None:
            counter = self._version_counter = [0]
        t._version_counter = counter
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place (``grad_fn = None``, no longer requiring grad); returns it.

        >>> h = minigrad.ones(2, requires_grad=True) * 2
        >>> h.detach_().requires_grad
        False
        """
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self.requires_grad = False
        return self

    # ------------------------------------------------------------------------------------------ autograd
    def backward(
        self,
        gradient: Optional["Tensor"] = None,
        retain_graph: Optional[bool] = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor w.r.t. every leaf that requires grad into their ``.grad``.

        ``gradient`` is dL/d(self), needed unless this tensor has one element. ``retain_graph`` (default:
        ``create_graph``) keeps the graph for another backward; ``create_graph`` records the backward itself so
        the gradients can be differentiated again. ``inputs`` (tensors) limits the accumulation to their ``.grad``
        (leaves or not), as torch's.

        >>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> w.grad
        tensor([2., 4.])
        """
        retain_graph = create_graph if retain_graph is None else retain_graph
        root = self.grad_fn or self._gradient_edge(0)  # (a result's node: no call)
        seed = self._seed(gradient, 0, create_graph)
        if inputs is None:
            engine.run([root], [seed], retain_graph=retain_graph, create_graph=create_graph)
            return
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        capture = dict.fromkeys(t._gradient_edge(i) for i, t in enumerate(inputs))
        engine.run([root], [seed], retain_graph=retain_graph, create_graph=create_graph, capture=capture)
        for tensor in inputs:
            grad = capture[tensor._gradient_edge()]
            if grad is not None:
                AccumulateGrad(tensor).backward_step(grad, create_graph)

    def _seed(self: _TensorBase, gradient, position, create_graph=False):
        """``gradient`` checked as the starting gradient of this tensor (ones for a one-element tensor).

        A Tensor that does not require grad is copied, so that the caller's array never becomes some leaf's
        ``.grad`` nor is written to, unless this is a first-order backward (not ``create_graph``) and this tensor
        has no hooks (its ``grad_fn``'s ``pre_hooks``, or a leaf's ``_hooks``, which are its ``AccumulateGrad``'s
        ``pre_hooks``): then it is a read-only view (``_borrowed``: when C-contiguous and aligned), which costs
        nothing. That is safe because no ``backward`` writes into the gradient it is given (op_db's gradient checks
        run on such seeds) and whatever keeps a gradient copies a read-only one (``AccumulateGrad``,
        ``retain_grad``, and ``autograd.grad``'s results: ``functional._writable``); the copy stays where the seed
        could be written to or kept: a hook here may change its argument in place, and a recorded backward may keep
        it. (A hook further down that gets the seed passed on unchanged, as a view's backward passes it, gets it
        read-only too: changing it in place raises.)"""
        if gradient is None:
            data = self._data
            if data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            # a 0-d float seed (loss.backward()) copied from a kept one: one call, where empty + fill are two (-2k
            # instructions a backward); np.ones is a Python function, two calls more
            ones = _SCALAR_ONES.get(data.dtype) if data.ndim == 0 else None
            if ones is not None:
                return _wrap_array(ones.copy())
            ones = np.empty(data.shape, dtype=data.dtype)
            ones.fill(1)
            return _wrap_array(ones)
        if isinstance(gradient, Tensor):
            if not gradient.requires_grad:
                hooks = self._hooks if self.grad_fn is None else self.grad_fn.pre_hooks
                gradient = _wrap_array(_borrowed(gradient._data, not create_graph and not hooks))
        else:
            gradient = _wrap_array(np.array(gradient, dtype=self._data.dtype))
        if gradient.shape != self._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{position}] has a shape of {gradient.shape} and "
                f"output[{position}] has a shape of {self._data.shape}."
            )
        return gradient

    def _gradient_edge(self: _TensorBase, position=None):
        """The node a gradient for this tensor is sent to: its ``grad_fn``, or a leaf's ``AccumulateGrad``."""
        if not self.requires_grad:
            raise RuntimeError(f"element {position} of tensors does not require grad and does not have a grad_fn")
        if self.grad_fn is not None:
            return self.grad_fn
        if self._accumulator is None:  # made once per leaf; it refers back to the leaf weakly (no cycle)
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set whether autograd records ops on this leaf (in place); returns it.

        >>> w = minigrad.zeros(2).requires_grad_()
        >>> w.requires_grad, w.is_leaf
        (True, True)
        """
        me: _TensorBase = self  # (compiled: the fields as struct members)
        if me.grad_fn is not None:  # (not the is_leaf property: one call fewer)
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and me._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        me.requires_grad = True if requires_grad else False  # (builtins.bool: a module attribute read and a call)
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None result replaces the gradient.

        Returns a handle whose ``remove()`` unregisters the hook.

        >>> w = minigrad.ones(2, requires_grad=True)
        >>> _ = w.register_hook(lambda g: g * 10)
        >>> w.sum().backward()
        >>> w.grad
        tensor([10., 10.])
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:  # a non-leaf's hooks run when its node receives the gradient
            if self.grad_fn.pre_hooks is None:
                self.grad_fn.pre_hooks = {}
            hooks = self.grad_fn.pre_hooks
        else:  # a leaf's, when its AccumulateGrad does
            if self._hooks is None:
                self._hooks = {}
                if self._accumulator is not None:
                    self._accumulator.pre_hooks = self._hooks
            hooks = self._hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a gradient has been accumulated into this leaf's ``.grad`` (what
        ``DistributedDataParallel`` uses to start reducing a gradient as soon as it is complete).

        >>> w = minigrad.ones(2, requires_grad=True)
        >>> handle = w.register_post_accumulate_grad_hook(lambda t: print('accumulated:', t.grad))
        >>> (w * 3).sum().backward()
        accumulated: tensor([3., 3.])
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        accumulator = self._gradient_edge()
        if accumulator.post_hooks is None:
            accumulator.post_hooks = {}
        handle = RemovableHandle(accumulator.post_hooks)
        accumulator.post_hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Make ``backward`` also store this non-leaf tensor's gradient in ``.grad``.

        >>> w = minigrad.ones(2, requires_grad=True)
        >>> h = w * 3
        >>> h.retain_grad()
        >>> h.sum().backward()
        >>> h.grad
        tensor([1., 1.])
        """
        if self.grad_fn is None:
            return
        this = weakref.ref(self)

        def store(grad):
            tensor = this()
            if tensor is None:
                return
            # the first gradient is copied, as torch's clone does: the array flowing on may also become a leaf's or
            # another retained .grad, or be the caller's seed
            if tensor.grad is None:
                tensor.grad = _wrap_array(grad._data.copy())
            else:  # (np.asarray: NumPy turns the sum of two 0-d arrays into a scalar)
                tensor.grad = _wrap_array(np.asarray(tensor.grad._data + grad._data))

        self.register_hook(store)

    # ----------------------------------------------------------------------------------- Python protocol
    __hash__ = object.__hash__

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self._data)

    def __format__(self, spec):
        """``f"{loss:.4f}"``: a one-element tensor formats as its number, as in torch."""
        if self._data.size == 1 and self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __repr__(self):
        grad_fn = None if self.grad_fn is None else self.grad_fn.name()
        return _tensor_str.tensor_str(self._data, self.dtype, _dtype.get_default_dtype(), grad_fn, self.requires_grad)

    def share_memory_(self):
        """Move the values into shared memory (once; a no-op after) and return ``self``: pickled to another process
        (a ``minigrad.multiprocessing`` worker), the tensor is then the same memory there, not a copy. Views of
        this tensor taken before the move keep the old memory.

        >>> minigrad.zeros(2).share_memory_().is_shared()
        True
        """
        if _shared.name_of(self._data) is None:
            self._data = _shared.share(self._data)
        return self

    def is_shared(self) -> bool:
        """Whether ``share_memory_`` moved the values into shared memory.

        >>> minigrad.zeros(2).is_shared()
        False
        """
        return _shared.name_of(self._data) is not None

    def __reduce_ex__(self, protocol):
        name = _shared.name_of(self._data)
        if name is not None:
            return (_rebuild_shared, (name, self._data.shape, self._data.dtype.str, self.requires_grad))
        return (Tensor._new, (self._data, None, self.requires_grad))

    if TYPE_CHECKING:  # what a type checker sees of the methods bound in ops/methods.py

        def __add__(self, other: "_Operand") -> "Tensor": ...
        def __radd__(self, other: "_Operand") -> "Tensor": ...
        def __sub__(self, other: "_Operand") -> "Tensor": ...
        def __rsub__(self, other: "_Operand") -> "Tensor": ...
        def __mul__(self, other: "_Operand") -> "Tensor": ...
        def __rmul__(self, other: "_Operand") -> "Tensor": ...
        def __truediv__(self, other: "_Operand") -> "Tensor": ...
        def __rtruediv__(self, other: "_Operand") -> "Tensor": ...
        def __floordiv__(self, other: "_Operand") -> "Tensor": ...
        def __mod__(self, other: "_Operand") -> "Tensor": ...
        def __pow__(self, other: "_Operand") -> "Tensor": ...
        def __rpow__(self, other: "_Operand") -> "Tensor": ...
        def __matmul__(self, other: "Tensor") -> "Tensor": ...
        def __neg__(self) -> "Tensor": ...
        def __pos__(self) -> "Tensor": ...
        def __abs__(self) -> "Tensor": ...
        def __invert__(self) -> "Tensor": ...
        def __and__(self, other: "_Operand") -> "Tensor": ...
        def __or__(self, other: "_Operand") -> "Tensor": ...
        def __xor__(self, other: "_Operand") -> "Tensor": ...
        def __rand__(self, other: "_Operand") -> "Tensor": ...
        def __ror__(self, other: "_Operand") -> "Tensor": ...
        def __rxor__(self, other: "_Operand") -> "Tensor": ...
        def __lshift__(self, other: "_Operand") -> "Tensor": ...
        def __rshift__(self, other: "_Operand") -> "Tensor": ...
        def __rlshift__(self, other: "_Operand") -> "Tensor": ...
        def __rrshift__(self, other: "_Operand") -> "Tensor": ...
        def __iand__(self, other: "_Operand") -> "Tensor": ...
        def __ior__(self, other: "_Operand") -> "Tensor": ...
        def __ixor__(self, other: "_Operand") -> "Tensor": ...
        def __ilshift__(self, other: "_Operand") -> "Tensor": ...
        def __irshift__(self, other: "_Operand") -> "Tensor": ...
        def __eq__(self, other: object) -> "Tensor": ...  # type: ignore[override]  # elementwise, as torch
        def __ne__(self, other: object) -> "Tensor": ...  # type: ignore[override]
        def __lt__(self, other: "_Operand") -> "Tensor": ...
        def __le__(self, other: "_Operand") -> "Tensor": ...
        def __gt__(self, other: "_Operand") -> "Tensor": ...
        def __ge__(self, other: "_Operand") -> "Tensor": ...
        def __getitem__(self, index: Any) -> "Tensor": ...
        def __setitem__(self, index: Any, value: "_Operand") -> None: ...
        def __iadd__(self, other: "_Operand") -> "Tensor": ...
        def __isub__(self, other: "_Operand") -> "Tensor": ...
        def __imul__(self, other: "_Operand") -> "Tensor": ...
        def __itruediv__(self, other: "_Operand") -> "Tensor": ...

        # every other method (sum, reshape, exp, argmax, ...): see the API reference; untyped here
        def __getattr__(self, name: str) -> Any: ...


# Backward passes running in several threads may reach the same leaves (shared parameters): without the lock,
# two of them adding to one .grad lose one of the two contributions (NumPy releases the GIL inside the addition).
_ACCUMULATION_LOCK = threading.Lock()


class AccumulateGrad(_Node):
    """The node of a leaf that requires grad: the gradient reaching it is added into ``variable.grad``.

    With ``create_graph=True`` the sum is a graph operation (so ``.grad`` can be differentiated); otherwise it is
    plain NumPy, and an array that is a view or read-only is copied before being stored, so no two ``.grad`` share
    memory and an in-place change of one (clipping, ``zero_()``) never changes another.
    """

    __slots__ = ("_variable", "post_hooks", "__weakref__")  # (compiled: tensor.pxd)
    next_functions = ()

    def __init__(self, variable: _TensorBase):
        self.next_edges = ()
        self._variable = weakref.ref(variable)
        self.pre_hooks = variable._hooks  # the leaf's own hook dict (register_hook hands it over when it makes one)
        self.post_hooks = None  # hooks called with the leaf once its .grad is updated

    @property
    def variable(self):
        """The leaf (None once it is gone: nothing can read its gradient then)."""
        return self._variable()

    def name(self):
        return "AccumulateGrad"

    def backward_step(self, grad, create_graph):
        """Add ``grad`` into the leaf's ``.grad``; nothing is sent on (an empty tuple)."""
        leaf: _TensorBase = self._variable()
        delivered: _TensorBase = grad
        if leaf is None:
            return ()
        # .grad is read, added to and replaced: one thread at a time, as in torch (acquire/release rather than
        # `with`: no bound __enter__/__exit__ made per leaf)
        _ACCUMULATION_LOCK.acquire()
        try:
            if create_graph:
                leaf.grad = grad if leaf.grad is None else leaf.grad + grad
            elif leaf.grad is not None:  # (np.asarray: NumPy turns the sum of two 0-d arrays into a scalar)
                leaf.grad._data = np.asarray(leaf.grad._data + delivered._data)
            else:  # a .grad owns its memory: a view is copied too, not only a read-only one (as autograd.grad does)
                array = delivered._data
                flags = array.flags  # (one .flags for both tests: each .flags makes a new object)
                if not flags.owndata or not flags.writeable:
                    array = array.copy()
                else:  # the array now belongs to this .grad; the delivered tensor keeps a view of it, so another
                    delivered._data = array.view()  # leaf it reaches (y = a + b sends it to both) copies it instead
                leaf.grad = _wrap_array(array)
        finally:
            _ACCUMULATION_LOCK.release()
        for hook in tuple(self.post_hooks.values()) if self.post_hooks else ():
            hook(leaf)
        return ()

    def release(self):
        pass


def _borrowed(array, borrow):
    """``array`` as a starting gradient: a read-only view with ``borrow`` when it is C-contiguous and aligned (as
    the copy is, which backward kernels may rely on), else a copy."""
    flags = array.flags
    if not borrow or not flags.c_contiguous or not flags.aligned:
        return array.copy()
    view = array.view()
    view.flags.writeable = False
    return view


def _rebuild_shared(name, shape, dtype, requires_grad):
    """Unpickling a shared tensor: the same shared block, attached in this process."""
    t = _wrap_array(_shared.attach(name, shape, dtype))
    return t.requires_grad_(True) if requires_grad else t


def tensor(data: Any, dtype: Optional[_dtype.dtype] = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Make a new leaf tensor from ``data`` (a list, number, NumPy array or Tensor; always copied).

    Python floats give float32, ints int64, bools bool; a NumPy array keeps its dtype unless ``dtype`` is given.

    >>> minigrad.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> minigrad.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    _device.check(device)
    return Tensor._new(data, dtype, requires_grad)
