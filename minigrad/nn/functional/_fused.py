"""``FusedLoss``: one autograd node around a fused loss kernel of ``minigrad._kernels``, and the operand helpers
every loss family uses to feed one.

A kernel computes the loss *and* its gradients in one pass (spec/kernels.md), with the calling convention::

    kernel(inputs..., options..., scale, loss_out, grad_out..., num_threads) -> sum of the losses

``FusedLoss.forward`` allocates ``loss_out`` and the ``grad_out`` arrays that ``needs_input_grad`` asks for, calls
the kernel once with ``scale`` = the reduction's factor (``1/denominator`` for 'mean'), keeps the gradients and
returns the reduced loss. ``backward_arrays`` multiplies the kept gradients by the upstream gradient in place and
hands them over, so a reduced loss with upstream 1 costs nothing more. The double backward (``create_graph=True``)
is the vector-Jacobian product of ``composite``, the loss written with primitive Tensor ops (``Function``'s rule);
the composite is also the textbook definition and the oracle the tests compare the kernel against.

A subclass gives ``kernel``, ``prepare`` (the kernel's operands from the forward's arrays), ``composite`` and,
where the kernel's gradients do not map one to one onto the inputs, ``gradient_of`` / ``negated``; its public
function checks the arguments with torch's words and calls ``apply``. Example, a squared error::

    class SquaredError(FusedLoss):
        kernel = _kernels.mse
        gradient_of, negated = (0, 0), (False, True)    # input: the kernel's gradient; target: minus it

        def prepare(self, x, y, *, shape, dtype):
            self.elementwise((x, y), shape, dtype)       # broadcast, flat, in the kernel's dtype

        def composite(self, x, y, *, reduction, shape, dtype):
            return reduce_loss((x.expand(*shape) - y.expand(*shape)) ** 2, reduction)

    SquaredError.apply(input, target, reduction="mean", shape=input.shape, dtype=np.dtype("float32"))

A loss with no composite derives from ``FirstOrderOnly`` instead (CTC): its double backward raises
``FirstOrderOnlyError``.
"""

import math

import numpy as np

from ..._threads import get_num_threads
from ...autograd.function import Function

__all__ = ["FusedLoss", "FirstOrderOnly", "FirstOrderOnlyError", "kernel_dtype", "kernel_operand", "sum_to_shape"]

_FLOAT16_MAX = 65504.0  # a total within it fits every result dtype
_FLOAT32 = np.dtype(np.float32)


def kernel_dtype(result):
    """The dtype a kernel computes a result dtype in: the kernels are float32 and float64 only, so float16 is
    computed in float32 (and rounded once, at the end)."""
    if not isinstance(result, np.dtype):  # (np.dtype(a dtype) is a call that returns it)
        result = np.dtype(result)
    return _FLOAT32 if result.kind == "f" and result.itemsize == 2 else result  # (no dtype ==: it costs a lookup)


def kernel_operand(array, shape, result):
    """``array`` broadcast to ``shape`` as a C-contiguous array of ``kernel_dtype(result)`` (``array`` itself when it
    already is one). It is converted to the result dtype first, as torch's promotion does (an int64 of 2^31
    becomes inf in float16), then to the kernel's."""
    kernel = kernel_dtype(result)
    array = np.asarray(array)
    if array.shape == tuple(shape) and array.dtype == kernel and array.flags.c_contiguous:
        return array
    if array.dtype != result:
        with np.errstate(over="ignore"):
            array = array.astype(result)
    return np.ascontiguousarray(np.broadcast_to(array, shape), dtype=kernel)


def sum_to_shape(array, shape):
    """A gradient of a broadcast shape summed back to ``shape`` (the input's)."""
    if array.shape == tuple(shape):
        return array
    extra = array.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and array.shape[extra + i] != 1)
    return array.sum(axis=axes, keepdims=True).reshape(shape) if axes else array.reshape(shape)


class FirstOrderOnlyError(RuntimeError):
    """Raised by the double backward of a loss that has no composite (CTC)."""


class FusedLoss(Function):
    """Base of the fused losses; see the module docstring.

    A subclass sets, in ``prepare(*arrays, **options)``:

    * ``self.operands``: the kernel's inputs, then its options (everything before ``scale``);
    * ``self.loss_shape``: the unreduced loss's shape; ``self.loss_size``: the length of ``loss_out``;
    * ``self.grad_shapes``: the shape of each of the kernel's gradient outputs, and optionally ``self.grad_homes``,
      the shape to allocate each in (its input's, where the memory layouts agree): the kernel writes through a
      reshaped view, and the array handed to the engine then owns its data (a view would be copied);
    * ``self.result_dtype``: the dtype of the result (the kernel's dtype is that of ``self.operands[0]``).

    (``elementwise`` does all of that for the elementwise kernels), and may override ``denominator`` ('mean'
    divides by it; default the loss's element count), ``empty_mean`` (the 'mean' of no elements), ``mean`` and
    ``scale`` (a reduction that is not a plain division), ``kernel_function`` (a kernel chosen per call),
    ``upstream_shape`` (how an upstream gradient of the loss's shape broadcasts against a kernel gradient) and
    ``to_input`` / ``broadcast_shape`` (how a kernel gradient maps back onto its input).
    """

    kernel = None
    gradient_of: "tuple[int, ...]" = (0,)  # per positional input: the kernel gradient output it gets
    negated: "tuple[bool, ...]" = (False,)  # per positional input: whether it gets minus that gradient
    sum_only = False  # the kernel may be given loss_out=None and still returns the sum (set by elementwise)
    empty_mean = math.nan

    def prepare(self, *arrays, **options):
        raise NotImplementedError(f"{type(self).__name__} must define prepare")

    def forward(self, *arrays, reduction, **options):
        self.grad_homes = None
        self.prepare(*arrays, **options)
        self.reduction = reduction
        loss, total, self.cache = self.run()
        self.operands = None  # the inputs stay in self.inputs (a retained graph's second backward re-prepares)
        if reduction == "none":
            return loss.reshape(self.loss_shape).astype(self.result_dtype, copy=False)
        if reduction == "mean":
            total = self.mean(loss, total)
        if -_FLOAT16_MAX <= total <= _FLOAT16_MAX:  # (an errstate costs more than the kernel on small inputs)
            return np.asarray(total, dtype=self.result_dtype)
        with np.errstate(over="ignore"):  # a float16 (or huge float32) result overflows to inf, as torch's does
            return np.asarray(total, dtype=self.result_dtype)

    def elementwise(self, inputs, shape, result_dtype, options=()):
        """``prepare`` for an elementwise kernel: ``inputs`` (arrays) broadcast to the loss's ``shape``, flat, in
        the kernel's dtype, then ``options`` (per-element weights as arrays of that shape or None, scalars)."""
        self.loss_shape, self.loss_size, self.result_dtype = tuple(shape), math.prod(shape), np.dtype(result_dtype)
        flat = [kernel_operand(a, shape, result_dtype).reshape(-1) for a in inputs]
        weights = [
            kernel_operand(o, shape, result_dtype).reshape(-1) if isinstance(o, np.ndarray) else o for o in options
        ]
        self.operands = (*flat, *weights)
        self.grad_shapes = ((self.loss_size,),) * (max(self.gradient_of) + 1)
        self.grad_homes = (self.loss_shape,) * len(self.grad_shapes)
        self.sum_only = True

    def kernel_function(self):
        """The kernel to call (read from the class: a compiled function stored on it would bind to the instance
        like a method)."""
        return type(self).kernel

    def mean(self, loss, total):
        """The 'mean' reduction of the kernel's ``loss_out`` and its ``total``: the total over ``denominator()``."""
        denominator = self.denominator()
        return total / denominator if denominator else self.empty_mean

    def denominator(self):
        """What 'mean' divides the summed loss by."""
        return math.prod(self.loss_shape)

    def scale(self):
        """The factor the kernel multiplies the gradients by: the reduction's (for 'mean' that of ``mean``)."""
        if self.reduction != "mean":
            return 1.0
        denominator = self.denominator()
        return 1.0 / denominator if denominator else 1.0

    def wanted_gradients(self):
        """Which of the kernel's gradient outputs some input needs."""
        if len(self.grad_shapes) == 1:  # one kernel gradient (most losses): wanted when any input needs one
            return (True in self.needs_input_grad,)
        wanted = [False] * len(self.grad_shapes)
        for output, need in zip(self.gradient_of, self.needs_input_grad):
            if need:
                wanted[output] = True
        return wanted

    def run(self):
        """One kernel call: ``(loss_out, sum of the losses, gradient outputs)``."""
        dtype = self.operands[0].dtype
        loss = None if self.sum_only and self.reduction != "none" else np.empty(self.loss_size, dtype)
        grads, outputs = [], []
        for home, shape, want in zip(self.grad_homes or self.grad_shapes, self.grad_shapes, self.wanted_gradients()):
            g = np.empty(home, dtype) if want else None
            grads.append(g)
            outputs.append(g if g is None or home == shape else g.reshape(shape))  # (a reshape is a call)
        total = self.kernel_function()(*self.operands, self.scale(), loss, *outputs, get_num_threads())
        return loss, total, grads

    def upstream_shape(self, gradient_shape):
        """The shape a per-element upstream gradient ('none', of the loss's shape) takes to broadcast against a
        kept gradient of ``gradient_shape``: the gradient itself for an elementwise loss, else one value per row,
        the rows leading."""
        if math.prod(gradient_shape) == self.loss_size:
            return gradient_shape
        return (self.loss_size,) + (1,) * (len(gradient_shape) - 1)

    def kept_gradients(self):
        """The kernel's gradients of the forward, handed over once; a second backward through a retained graph
        runs the kernel again (the arrays handed out may have been changed by their receivers)."""
        cache, self.cache = self.cache, None
        if cache is None:
            self.prepare(
                *(getattr(x, "_data", x) for x in self.inputs),
                **{k: v for k, v in self.options.items() if k != "reduction"},
            )
            cache = self.run()[2]
            self.operands = None
        return cache

    def backward_arrays(self, grad):
        """The kept gradients times ``grad``, in place, as the inputs' gradients (summed over broadcast dims and
        cast to each input's dtype)."""
        cache = self.kept_gradients()
        for g in cache:
            if g is not None:
                if self.reduction == "none":
                    g *= grad.reshape(self.upstream_shape(g.shape)).astype(g.dtype, copy=False)
                elif grad.reshape(()) != 1:
                    g *= g.dtype.type(grad.reshape(()))
        if len(cache) == 1 and not self.negated[0] and len(self.needs_input_grad) == 1:  # one input: no bookkeeping
            return self.to_input(0, cache[0])
        gradients = []
        handed = set()
        for i, (need, output, negated) in enumerate(zip(self.needs_input_grad, self.gradient_of, self.negated)):
            if not need:
                gradients.append(None)
                continue
            g = cache[output]
            if negated:
                g = np.negative(g) if output in handed or self._used_later(i, output) else np.negative(g, out=g)
            handed.add(output)
            gradients.append(self.to_input(i, g))
        return tuple(gradients)

    def _used_later(self, i, output):
        """Whether an input after ``i`` also takes kernel gradient ``output`` un-negated."""
        return any(
            need and out == output and not neg
            for need, out, neg in zip(self.needs_input_grad[i + 1 :], self.gradient_of[i + 1 :], self.negated[i + 1 :])
        )

    def to_input(self, i, gradient):
        """A kernel gradient as input ``i``'s: reshaped to the loss domain, summed over the dims the input was
        broadcast along, in the input's dtype."""
        x = self.inputs[i]
        shape, dtype = x.shape, x._data.dtype
        if gradient.shape != shape:  # (else not even a reshaped view: the engine would copy a view)
            gradient = (
                gradient.reshape(shape)
                if gradient.size == math.prod(shape)
                else sum_to_shape(gradient.reshape(self.broadcast_shape(i)), shape)
            )
        return gradient.astype(dtype, copy=False)

    def broadcast_shape(self, i):
        """The shape input ``i`` was broadcast to for the kernel (default: the loss's)."""
        return self.loss_shape


class FirstOrderOnly(FusedLoss):
    """A fused loss with no composite. Under ``create_graph=True`` its gradient is the kept one times the upstream
    gradient as a recorded product (so it is differentiable w.r.t. the upstream gradient), while the kept
    gradient itself is a node whose backward raises the one shared error."""

    def backward(self, grad):
        cache = self.kept_gradients()
        gradients = []
        for need, output, negated, x in zip(self.needs_input_grad, self.gradient_of, self.negated, self.inputs):
            if not need:
                gradients.append(None)
                continue
            g = cache[output]
            kept = _KeptGradient.apply(
                x, gradient=g.reshape(x.shape).astype(x._data.dtype, copy=False), loss=type(self).__name__
            )
            upstream = grad.reshape(self.upstream_shape(x.shape)) if self.reduction == "none" else grad
            gradients.append(-(kept * upstream) if negated else kept * upstream)
        return tuple(gradients)


class _KeptGradient(Function):
    """``apply(x, gradient=array, loss=name)``: a loss's kept gradient as a function of its input ``x``; its
    backward raises ``FirstOrderOnlyError``."""

    keeps_inputs = False

    def forward(self, x, *, gradient, loss):
        return gradient

    def backward(self, grad):
        raise FirstOrderOnlyError(
            f"the derivative of {self.options['loss']}'s gradient (double backward) is not implemented"
        )
