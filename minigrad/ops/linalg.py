"""Matrix products: ``matmul`` (with NumPy's/torch's 1-D and batched rules) and the fused ``linear``."""
import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ._util import promote, recording, sum_to, wrap
from .shape import expand


class MatMul(Function):
    """``a @ b``. Gradients ``g @ bᵀ`` and ``aᵀ @ g``, after lifting 1-D operands to matrices, then summed
    over broadcast batch dims."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.matmul(a.data, b.data)

    def backward(self, grad):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a          # (k,) -> (1, k)
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b         # (k,) -> (k, 1)
        g2 = grad.unsqueeze(-2) if a.ndim == 1 else grad
        g2 = g2.unsqueeze(-1) if b.ndim == 1 else g2
        grad_a = grad_b = None
        if need_a:
            grad_a = sum_to(g2.matmul(b2.mT), a2.shape).reshape(a.shape)
        if need_b:
            grad_b = sum_to(a2.mT.matmul(g2), b2.shape).reshape(b.shape)
        return grad_a, grad_b


class Linear(Function):
    """``x Wᵀ + b`` in one node (like torch's addmm): ``x`` is ``(*, in)``, ``W`` is ``(out, in)``, ``b`` is ``(out,)``.

    Gradients: ``dx = g W``, ``dW = gᵀ x`` (over all leading dims), ``db = Σ g`` over the leading dims.
    """

    def forward(self, x, weight, bias):
        self.save_for_backward(x, weight)
        self.bias_shape = None if bias is None else bias.shape
        result = x.data @ weight.data.T
        if bias is not None:
            result += bias.data
        return result

    def _bias_grad(self, grad, g2):
        """``Σ g`` over the leading dims for an (out,) bias (``g2``: ``grad`` as rows, an array or a Tensor); a
        bias broadcast otherwise sums back to its own shape."""
        if self.bias_shape == g2.shape[-1:]:
            return wrap(g2.sum(0)) if isinstance(g2, np.ndarray) else g2.sum(0)
        return sum_to(wrap(grad) if isinstance(grad, np.ndarray) else grad, self.bias_shape)

    def backward(self, grad):
        x, weight = self.saved
        need_x, need_w, need_b = self.needs_input_grad
        if not recording():  # the hottest backward in training: plain NumPy, no autograd bookkeeping
            g = grad.data
            g2 = g.reshape(-1, weight.shape[0])
            return (wrap(g @ weight.data) if need_x else None,
                    wrap(g2.T @ x.data.reshape(-1, weight.shape[1])) if need_w else None,
                    self._bias_grad(g, g2) if need_b else None)
        grad_x = grad.matmul(weight) if need_x else None
        grad_w = grad_b = None
        if need_w or need_b:
            g2 = grad.reshape(-1, weight.shape[0]) if grad.ndim != 2 else grad
            if need_w:
                x2 = x.reshape(-1, weight.shape[1]) if x.ndim != 2 else x
                grad_w = g2.mT.matmul(x2)
            if need_b:
                grad_b = self._bias_grad(grad, g2)
        return grad_x, grad_w, grad_b


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        rows = a.shape[-2] if a.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and "
                           f"{k_b}x{b.shape[-1] if b.ndim > 1 else 1})")


def mm(a, b):
    """Matrix product of two 2-D tensors (``matmul`` without its broadcasting)."""
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D tensors of one dtype."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.data.dtype != b.data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_dtype.torch_name(a.data.dtype)} and {_dtype.torch_name(b.data.dtype)}")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    return matmul(a, b)


def matmul(a, b):
    a, b = promote(a, b)
    _check_matmul(a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError as error:  # batch dims that do not broadcast
        raise RuntimeError(str(error)) from None


def linear(x, weight, bias=None):
    """``y = x Wᵀ + b`` with torch's layout: ``x (*, in)``, ``weight (out, in)``, ``bias (out,)`` or None."""
    if x.shape[-1:] != weight.shape[-1:] or weight.ndim != 2:
        rows = int(np.prod(x.shape[:-1], dtype=np.int64)) if x.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1] if x.ndim else 0} and "
                           f"{weight.shape[-1] if weight.ndim else 0}x{weight.shape[0] if weight.ndim else 0})")
    if x.data.dtype != weight.data.dtype or (bias is not None and bias.data.dtype != x.data.dtype):
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {x.dtype.name.capitalize()} and "
                           f"{weight.dtype.name.capitalize()}")
    if bias is not None and bias.shape != weight.shape[:1]:  # it must broadcast to the output without growing it
        expand(bias, *(x.shape[:-1] + weight.shape[:1]))
    return Linear.apply(x, weight, bias)
