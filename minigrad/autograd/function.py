"""``Function``: one differentiable operation, and the node it leaves in the graph.

An op is called as ``MyOp.apply(*inputs, **options)``. The positional ``inputs`` are what may need a gradient:
Tensors (a Python number or an array there is a constant and gets none); the keyword ``options`` are settings and
constant arrays (dims, targets, masks, the reduction). ``apply`` sets ``self.needs_input_grad`` (one bool per
positional input), calls ``forward`` on the inputs' NumPy arrays and wraps the array it returns in a Tensor. When
grad mode is on and some input requires grad, that Tensor's ``grad_fn`` is the node, which remembers

* ``next_edges``: per input, the node its gradient goes to (the input's ``grad_fn``, or a leaf's ``AccumulateGrad``);
* ``inputs``: the inputs as given (unless the class sets ``keeps_inputs = False``), with their versions, so the
  backward raises torch's error if one was changed in place in between;
* ``options``: the keyword options.

A subclass defines

* ``forward(self, *arrays, **options) -> ndarray``: NumPy in, NumPy out. It may keep derived arrays (masks,
  cached gradients) as attributes, never the input arrays themselves: the backward reads inputs through
  ``self.inputs``, whose versions are checked.
* ``backward(self, grad) -> gradients``: one per positional input (a Tensor or None; a bare Tensor when there is
  one input), written in Tensor ops on ``self.inputs`` and ``self.output()``. The engine runs it under
  ``no_grad``, or recorded when ``create_graph=True``, so second derivatives need no formula of their own.
* optionally ``backward_arrays(self, grad_array)``: the same gradients as NumPy arrays, a fast path the engine
  takes when ``create_graph`` is off (only where a benchmark shows it pays);
* optionally ``composite(self, *inputs, **options) -> Tensor``: the op written with primitive ops. It is the
  textbook definition and the tests' oracle, and, when the class defines no ``backward``, the backward is its
  vector-Jacobian product (so the double backward of a fused kernel comes for free).

A ``forward`` may return a tuple of arrays instead (``split``): ``apply`` then returns a tuple of Tensors, output
``i``'s ``grad_fn`` is ``Output(node, i, n)`` (the edge its consumers send gradients to), and ``backward``
receives one list, with each output's gradient or None for an output that got none. A view op of that kind says,
with ``output_view(i)``, which one-output view op each output is.

The node does not keep its output alive (``saves_output = True`` keeps just the array, for ``output()``), so a
graph disappears as soon as the last Tensor referring to it does.
"""

import inspect
import itertools
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy import ndarray

from . import anomaly_mode, functional
from .anomaly_mode import _on as _anomaly_on
from .anomaly_mode import _state as _anomaly_state
from .grad_mode import _off as _grad_off
from .grad_mode import _state as _grad_state
from .grad_mode import enable_grad, no_grad
from .node import _Node
from .tensor import AccumulateGrad, Tensor, _TensorBase, _wrap_array
from .tracing import _on as _tracing_on
from .tracing import _state as _tracing_state

__all__ = ["Function", "Output", "once_differentiable"]

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
_TORCH_TYPES = {
    "float16": "HalfTensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}

_ALWAYS = itertools.repeat(True)  # inputs_read() of a class that does not override it, without the call


class _FunctionBase(_Node):
    """A node's fields. Compiled, this is an extension type (``function.pxd``), so the core reads and writes them as
    C struct members; ``Function`` subclasses it as a Python class (with a ``__dict__`` for what ops keep)."""

    __slots__ = ("inputs", "options", "needs_input_grad", "freed", "_versions", "_output")

    if TYPE_CHECKING:  # the slots' types, for mypy (compiled: function.pxd declares them)
        inputs: Any
        options: Any
        needs_input_grad: tuple
        freed: bool
        _versions: list
        _output: Any


class Function(_FunctionBase):
    """Base class of every differentiable operation; see the module docstring.

    >>> class Cube(minigrad.autograd.Function):
    ...     def forward(self, x):  # NumPy in, NumPy out
    ...         return x**3
    ...     def backward(self, grad):  # Tensor ops on self.inputs
    ...         (x,) = self.inputs
    ...         return 3 * x**2 * grad
    >>> x = minigrad.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    tensor([12.])
    """

    __slots__ = ("__dict__", "__weakref__")
    keeps_inputs = True  # False where the backward reads no input value (Add, Sum, Reshape, ...)
    saves_output = False  # True where the backward reads the forward's result through output()
    is_view = False  # True for ops whose result may share the input's memory (see ops.shape)
    backward_arrays = None
    composite = None
    materialize_grads = True  # ctx-style, tuple of outputs: zeros (not None) for an output without a gradient

    def forward(self, *arrays, **options):
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, grad):
        """The vector-Jacobian product of ``composite`` (for classes that define no backward of their own)."""
        if self.composite is None:
            raise NotImplementedError(f"{type(self).__name__} defines neither backward nor composite")
        wanted = [i for i, need in enumerate(self.needs_input_grad) if need]
        if _grad_state.enabled:  # create_graph: differentiate through the real inputs, recorded
            inputs = list(self.inputs)
        else:  # first order: fresh leaves, so nothing outside this node is touched
            inputs = [_wrap_array(x._data).requires_grad_() if i in wanted else x for i, x in enumerate(self.inputs)]
        with enable_grad():
            output = self.composite(*inputs, **self.options)
        grads = functional.grad(
            output, [inputs[i] for i in wanted], grad, create_graph=_grad_state.enabled, allow_unused=True
        )
        result = [None] * len(inputs)
        for i, g in zip(wanted, grads):
            result[i] = g
        return tuple(result)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # torch's style: @staticmethod forward(ctx, *args) on Tensors (see the section at the end of the class)
        cls.ctx_style = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)
        cls.reads_all_inputs = cls.inputs_read is Function.inputs_read
        if cls.ctx_style:
            cls.keeps_inputs = False  # what backward reads, it saves itself (save_for_backward, version-checked)

    @classmethod
    def apply(cls, *inputs, **options):
        if cls.ctx_style:
            return cls._apply_ctx_style(inputs, options)
        node: _FunctionBase
        if type(cls) is type:  # (compiled: kind is typed, so kind.__new__(kind) is a direct call of the C constructor)
            kind: type = cls
            node = kind.__new__(kind)
        else:  # a class with a metaclass of its own
            node = cls.__new__(cls)
        t: _TensorBase  # (the typed names are C struct pointers where the core is compiled, see tensor.pxd)
        node.options = options
        node._versions = node._output = None  # (set below when the class keeps inputs or saves its output)
        # each thread-local is read only while some thread has its mode away from the default (see grad_mode._off)
        recording = _grad_state.enabled if _grad_off else True
        # plain loops, not comprehensions (each is a function call), and none for one input: apply runs for every
        # op (measured on Relu.apply: 3.7 -> 3.0 µs of process time; the old core's was 3.1)
        if len(inputs) == 1:
            x = inputs[0]
            if isinstance(x, _TensorBase):
                t = x
                arrays, needs = (t._data,), (recording and t.requires_grad,)
            else:
                arrays, needs = inputs, (False,)
        else:
            arrays, needs = [], []
            for x in inputs:
                if isinstance(x, _TensorBase):
                    t = x
                    arrays.append(t._data)
                    needs.append(recording and t.requires_grad)
                else:
                    arrays.append(x)
                    needs.append(False)
            needs = tuple(needs)
        node.needs_input_grad = needs
        result = node.forward(*arrays, **options)
        if type(result) is not ndarray:
            if type(result) is tuple:  # a multi-output op (split, ...): off the one-output path on purpose
                return node._wrap_outputs(inputs, needs, result)
            result = np.asarray(result)
        output: _TensorBase = _wrap_array(result)
        if cls.is_view:
            _record_view(output, inputs[0], cls, options)
        if True in needs and result.dtype.kind in "fc":  # integer results never require grad
            # _connect, inlined (with x._gradient_edge() and x._version): this runs for every op
            if len(inputs) == 1:
                t = inputs[0]
                node.next_edges = [t.grad_fn or t._accumulator or t._gradient_edge()]
            else:
                node.next_edges = edges = []
                for i in range(len(inputs)):  # (indexed, not zipped: a zip costs ~1k instructions)
                    if needs[i]:
                        t = inputs[i]
                        edges.append(t.grad_fn or t._accumulator or t._gradient_edge())
                    else:
                        edges.append(None)
            node.pre_hooks = None
            node.freed = False
            if cls.keeps_inputs:
                node.inputs = inputs
                # (position, version counter, version) of each input the backward reads; its counter is made now
                # if it has none yet, so the backward's check is one comparison per input
                node._versions = versions = []
                reads = None if cls.reads_all_inputs else node.inputs_read()
                for i in range(len(inputs)):
                    x = inputs[i]
                    if isinstance(x, _TensorBase) and (reads is None or reads[i]):
                        t = x
                        counter = t._version_counter  # (x._shared_version_counter(), inlined)
                        if counter is None:
                            counter = t._version_counter = [0]
                        versions.append((i, counter, counter[0]))
            if cls.saves_output:
                node._output = (result, output._shared_version_counter())
            output.requires_grad = True
            output.grad_fn = node
            if _anomaly_on and _anomaly_state.enabled:
                node._forward_stack = anomaly_mode.forward_stack()
        if _tracing_on and _tracing_state.recorder is not None:
            _tracing_state.recorder(cls, inputs, options, output)
        return output

    def _connect(self, inputs, needs):
        """Record the backward's edges and the versions of the inputs it reads (``apply``'s one-output path has
        this inlined)."""
        self.next_edges = [x._gradient_edge() if need else None for x, need in zip(inputs, needs)]
        self.pre_hooks = None
        self.freed = False
        if self.keeps_inputs:
            self.inputs = inputs
            read = _ALWAYS if self.reads_all_inputs else self.inputs_read()
            self._versions = [
                (i, x._shared_version_counter(), x._version)
                for i, (x, wanted) in enumerate(zip(inputs, read))
                if wanted and isinstance(x, Tensor)
            ]

    def _wrap_outputs(self, inputs, needs, results):
        """``apply`` for a forward that returned a tuple of arrays: one Tensor per array, output ``i`` sending
        its gradient to ``Output(self, i)``; the backward gets the list of the outputs' gradients."""
        cls = type(self)
        outputs = tuple(_wrap_array(r if type(r) is ndarray else np.asarray(r)) for r in results)
        if cls.is_view:
            for i, output in enumerate(outputs):
                view_op, view_options = self.output_view(i)
                _record_view(output, inputs[0], view_op, view_options)
        differentiable = [r.dtype.kind in "fc" for r in (o._data for o in outputs)]
        if True in needs and True in differentiable:
            self._connect(inputs, needs)
            for i, output in enumerate(outputs):
                if differentiable[i]:
                    output.requires_grad, output.grad_fn = True, Output(self, i, len(outputs))
            if _anomaly_on and _anomaly_state.enabled:
                self._forward_stack = anomaly_mode.forward_stack()
        if _tracing_on and _tracing_state.recorder is not None:
            _tracing_state.recorder(cls, inputs, self.options, outputs)
        return outputs

    def output_view(self, i):
        """For a multi-output view op: output ``i`` as a one-output view op ``(Function class, options)`` of the
        first input, what an in-place change replays to rebuild that view's history."""
        raise NotImplementedError(f"{type(self).__name__} must define output_view")

    def inputs_read(self):
        """Per input, whether the backward reads its value (only those are version-checked); all by default."""
        return (True,) * len(self.needs_input_grad)

    def output(self):
        """The forward's result as a Tensor of the graph (its ``grad_fn`` is this node)."""
        result = _wrap_array(self._output[0])
        result.requires_grad, result.grad_fn = True, self
        return result

    def backward_step(self, grad, create_graph):
        """The engine's call: the gradients of the inputs (a tuple, one per input) for ``grad``."""
        me: _FunctionBase = self  # (compiled: the fields as struct members)
        if me.freed:
            raise RuntimeError(_FREED_MESSAGE)
        # (the fields apply set only for a class that keeps inputs or saves its output, read instead of the class
        # flags: an instance's class attribute costs a type and a __dict__ lookup, twice a field's read)
        versions = me._versions
        if versions:
            for i, counter, expected in versions:
                if counter[0] != expected:
                    x = me.inputs[i]
                    self._raise_modified(x._data, x.grad_fn, counter[0], expected)
        saved = me._output
        if saved is not None and saved[1][0] != 0:
            self._raise_modified(saved[0], self, saved[1][0], 0)
        fast = None if create_graph else self.backward_arrays
        if type(self).ctx_style:
            grads = self._ctx_style_backward(grad)
        elif fast is not None:
            incoming: _TensorBase = grad
            data = incoming._data
            grads = fast(data)
            # The incoming array passed on unchanged (Add, Sub's first input, ...) goes on as the incoming Tensor
            # itself, as the Tensor-op backward would send it: a leaf's AccumulateGrad that takes the array over
            # swaps that Tensor's array for a view, so every other receiver copies it and no two .grad share
            # memory. (np.asarray only for what is not an array already: NumPy scalars from 0-d arithmetic.)
            if type(grads) is not tuple:  # one input: no generator over a 1-tuple (-1k instructions per node)
                grads = (
                    grads
                    if grads is None
                    else grad
                    if grads is data
                    else _wrap_array(grads if type(grads) is ndarray else np.asarray(grads)),
                )
            else:
                grads = tuple(
                    [
                        g
                        if g is None
                        else grad
                        if g is data
                        else _wrap_array(g if type(g) is ndarray else np.asarray(g))
                        for g in grads
                    ]
                )
        else:
            grads = self.backward(grad)
            grads = grads if type(grads) is tuple else (grads,)
        if len(grads) != len(me.next_edges):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{len(me.next_edges)}, got {len(grads)})"
            )
        if _anomaly_on and _anomaly_state.enabled:
            anomaly_mode.check_gradients(self, grads, getattr(self, "_forward_stack", "(made before anomaly mode)"))
        return grads

    def _raise_modified(self, array, producer, version, expected):
        """torch's error when an input or the output this node reads was changed in place after the forward."""
        origin = f", which is output 0 of {producer.name()}," if producer is not None else ""
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[torch.{_TORCH_TYPES.get(array.dtype.name, 'Tensor')} [{', '.join(map(str, array.shape))}]]{origin} "
            f"is at version {version}; expected version {expected} instead. Hint: the backward of {self.name()} "
            "reads this value."
        )

    def release(self: _FunctionBase):
        """Drop everything the backward needed (called after a backward without ``retain_graph``)."""
        self.inputs = self.options = self._output = None
        self.__dict__.clear()
        self.freed = True

    def name(self):
        """The node's name as torch spells it, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    @property
    def next_functions(self):
        """torch's view of the edges: one ``(node, output index)`` pair per input (``(None, 0)`` where no gradient
        goes)."""
        return tuple((edge.node, edge.index) if type(edge) is Output else (edge, 0) for edge in self.next_edges)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    # ---------------------------------------------------------------- torch's ctx-style custom Functions
    # A user's torch.autograd.Function subclass runs unchanged: @staticmethod forward(ctx, *args, **kwargs) on
    # Tensors (or forward(*args) plus setup_context(ctx, inputs, output)) and @staticmethod backward(ctx, grad).
    # The node is the ctx, as in torch.

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` for ``backward`` (read them with ``saved_tensors``, which checks their versions)."""
        self._saved = [(t, t._version if isinstance(t, Tensor) else None) for t in tensors]

    @property
    def saved_tensors(self):
        if self.freed:
            raise RuntimeError(_FREED_MESSAGE)
        for tensor, version in self._saved:
            if version is not None and tensor._version != version:
                self._raise_modified(tensor._data, tensor.grad_fn, tensor._version, version)
        return tuple(tensor for tensor, _ in self._saved)

    def mark_dirty(self, *tensors):
        """Declare inputs the forward changed in place (the output that is such an input takes this history)."""
        self._dirty = [id(t) for t in tensors]

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient (they do not require grad)."""
        self._non_differentiable = [id(t) for t in tensors]

    def set_materialize_grads(self, value):
        """With a tuple of outputs: whether ``backward`` gets zeros (True, the default) or None for an output that
        received no gradient (with one output, the gradient reaching ``backward`` is never None)."""
        self.materialize_grads = bool(value)

    @staticmethod
    def setup_context(ctx, inputs, output):
        """torch's separate-context form: ``forward(*args)`` without ctx, then ``setup_context(ctx, inputs,
        output)`` saves what ``backward`` needs."""
        raise NotImplementedError

    @classmethod
    def _apply_ctx_style(cls, args, kwargs):
        node = cls.__new__(cls)
        node.needs_input_grad = tuple(
            (not _grad_off or _grad_state.enabled) and isinstance(a, Tensor) and a.requires_grad for a in args
        )
        node.options, node.inputs, node._saved, node._dirty, node._non_differentiable = kwargs, None, [], [], []
        node._versions = node._output = None
        with no_grad():
            if inspect.getattr_static(cls, "setup_context") is not inspect.getattr_static(Function, "setup_context"):
                output = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, output)
            else:
                output = cls.forward(node, *args, **kwargs)
        many = type(output) is tuple  # torch's tuple of outputs (Tensors and other values)
        outputs = list(output) if many else [output]
        if not many and not isinstance(output, Tensor):
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {type(output).__name__}: a custom Function returns a Tensor or "
                "a tuple"
            )
        for i, out in enumerate(outputs):
            if isinstance(out, Tensor) and any(out is a for a in args) and id(out) not in node._dirty:
                outputs[i] = out.detach()  # an input returned as it is: a new tensor over the same memory, as torch
        differentiable = [
            isinstance(out, Tensor) and out._data.dtype.kind in "fc" and id(out) not in node._non_differentiable
            for out in outputs
        ]
        if True in node.needs_input_grad and True in differentiable:
            node.next_edges = [a._gradient_edge() if need else None for a, need in zip(args, node.needs_input_grad)]
            node.pre_hooks, node.freed = None, False
            # what materialize_grads fills in for an output that gets no gradient: zeros of its shape and dtype
            node._output_arrays = [(out.shape, out._data.dtype) if isinstance(out, Tensor) else None for out in outputs]
            for i, out in enumerate(outputs):
                if differentiable[i]:
                    out.grad_fn, out.requires_grad = (Output(node, i, len(outputs)) if many else node), True
        return tuple(outputs) if many else outputs[0]

    def _ctx_style_backward(self, grad):
        if type(grad) is list:  # a tuple of outputs: one gradient each, None (or zeros) where none came
            if self.materialize_grads:
                grad = [
                    _wrap_array(np.zeros(*meta)) if g is None and meta is not None else g
                    for g, meta in zip(grad, self._output_arrays)
                ]
            grads = type(self).backward(self, *grad)
        else:
            grads = type(self).backward(self, grad)
        grads = list(grads) if isinstance(grads, tuple) else [grads]
        expected = len(self.next_edges)
        while len(grads) > expected and grads[-1] is None:  # torch accepts trailing Nones for extra arguments
            grads.pop()
        if len(grads) != expected:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{expected}, got {len(grads)})"
            )
        for i, (g, edge) in enumerate(zip(grads, self.next_edges)):
            wanted = edge.variable if isinstance(edge, AccumulateGrad) else None
            if edge is not None and g is not None and wanted is not None and g.shape != wanted.shape:
                raise RuntimeError(
                    f"Function {self.name()} returned an invalid gradient at index {i} - got "
                    f"{list(g.shape)} but expected shape compatible with {list(wanted.shape)}"
                )
        return tuple(grads)


class _DelayedError(Function):
    """The identity on a gradient computed by a ``once_differentiable`` backward; differentiating it raises."""

    keeps_inputs = False

    def forward(self, grad, *upstream):
        return grad

    def backward(self, grad):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward):
    """Decorate a ctx-style ``backward`` written with non-differentiable code (NumPy, say): it runs under
    ``no_grad``, and a double backward through it raises instead of silently giving zero.

    >>> class Square(minigrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @minigrad.autograd.once_differentiable
    ...     def backward(ctx, grad):  # NumPy inside: a double backward raises
    ...         (x,) = ctx.saved_tensors
    ...         return minigrad.tensor(2 * x.detach().numpy() * grad.numpy())
    >>> x = minigrad.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    tensor([6.])
    """

    def wrapper(ctx, *grads):
        with no_grad():
            results = backward(ctx, *grads)
        if _grad_off and not _grad_state.enabled:
            return results
        upstream = [g for g in grads if isinstance(g, Tensor) and g.requires_grad]
        wrap = lambda g: _DelayedError.apply(g, *upstream) if isinstance(g, Tensor) and upstream else g
        return tuple(map(wrap, results)) if isinstance(results, tuple) else wrap(results)

    wrapper.__name__, wrapper.__doc__ = backward.__name__, backward.__doc__
    return wrapper


class Output(_Node):
    """Output ``index`` (of ``count``) of a multi-output node: the edge its consumers' gradients go to, and that
    output tensor's ``grad_fn``. Reading another attribute reads the node's, so it stands for the node as torch's
    ``grad_fn`` does (in torch every output shares the node and the tensor holds the index).

    In the engine it is a node of its own that comes before ``node``: it takes the sum of its consumers'
    gradients, runs the tensor's hooks (its ``pre_hooks``), and sends ``node`` a list with that gradient at
    ``index`` and None elsewhere. The engine merges the lists from a node's outputs entry by entry, so the node's
    backward runs once, on one gradient (or None) per output.
    """

    __slots__ = ("node", "index", "count")

    def __init__(self, node, index, count):
        self.node, self.index, self.count = node, index, count
        self.pre_hooks = None
        self.next_edges = (node,)

    def backward_step(self, grad, create_graph):
        """The node's list of gradients: ``grad`` at this output's index, None elsewhere."""
        grads = [None] * self.count
        grads[self.index] = grad
        return (grads,)

    def release(self):
        """Nothing to drop: the node releases what it saved after its own backward."""

    def __getattr__(self, name):
        if name.startswith("__"):  # what copy and pickle look up (__deepcopy__, __getstate__...) is not the node's
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "node"), name)  # (no recursion while "node" is unset)

    def __repr__(self):
        return repr(self.node)


def _record_view(view, source, op, options):
    """Make ``view`` a view of ``source``'s base when ``op`` returned memory of ``source`` (as torch's views)."""
    if not isinstance(source, Tensor) or not np.may_share_memory(view._data, source._data):
        return
    base = source._base if source._base is not None else source
    view._base = base
    view._view_ops = (source._view_ops or ()) + ((op, options),)
    view._version_counter = source._shared_version_counter()
    if (
        not _grad_off or _grad_state.enabled
    ):  # so an in-place change can rebuild every live view's history (torch refuses to
        views = base._views  # rebuild a view made under no_grad, so those are not listed)
        if views is None:  # weak references as the keys of a dict, each removing itself when its view dies: a third
            views = base._views = {}  # of a WeakSet's cost to make and fill (every reshape, t() and x[i] pays it)
        views[weakref.ref(view, views.pop)] = None
