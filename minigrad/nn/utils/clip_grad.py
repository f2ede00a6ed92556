"""Gradient utilities, as torch.nn.utils.clip_grad has them: clipping by total norm or by value, the total norm
itself, and resetting gradients (for ``Module.zero_grad`` and ``Optimizer.zero_grad``).

>>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)   # between backward() and optimizer.step()
"""

import math
import types
import warnings

import numpy as np

from ...autograd.tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _zero_grads(parameters, set_to_none):
    """Reset ``.grad`` of every tensor in ``parameters``: to None, or to zeros (cut from any graph, like torch)."""
    for param in parameters:
        grad = param.grad
        if grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            grad.detach_()
            grad._data = np.zeros_like(grad._data)  # a fresh array: the old one may be shared (create_graph=True)


def _vector_norm(array, norm_type):
    """torch.linalg.vector_norm of a flattened array, in the array's dtype."""
    if norm_type == math.inf:
        return np.abs(array).max(initial=0)
    if norm_type == -math.inf:
        return np.abs(array).min()
    if norm_type == 0:
        return np.asarray(np.count_nonzero(array), dtype=array.dtype)
    if norm_type == 2:
        flat = array.ravel()
        return np.sqrt(np.dot(flat, flat))
    if norm_type == 1:
        return np.abs(array).sum()
    return (np.abs(array) ** norm_type).sum() ** (1 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together (the norm of their per-tensor norms), in their promoted
    dtype; ``tensor(0.)`` for none. Raises torch's RuntimeError for a nan/inf total with ``error_if_nonfinite``.
    ``foreach`` is accepted for torch compatibility.

    >>> get_total_norm([minigrad.tensor([3.0]), minigrad.tensor([4.0])])
    tensor(5.)
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    norms = np.array(
        [_vector_norm(t._data, norm_type) for t in tensors], dtype=np.result_type(*[t._data for t in tensors])
    )
    total = np.asarray(_vector_norm(norms, norm_type), dtype=norms.dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))`` (the
    coefficient rounded to each gradient's dtype), given their ``total_norm`` from ``get_total_norm``."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coefficient = np.minimum(total.dtype.type(float(max_norm)) / (total + total.dtype.type(1e-6)), 1)
    for grad in grads:
        np.multiply(grad._data, coefficient.astype(grad._data.dtype), out=grad._data)
        grad._shared_version_counter()[0] += 1  # an in-place change of the gradient, as torch's mul_


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total norm is at most ``max_norm``; returns the total norm.

    The total norm is the ``norm_type``-norm of the per-gradient norms (the norm of all gradients concatenated).
    Gradients are multiplied in place by ``min(1, max_norm / (total + 1e-6))``. ``parameters`` is a Tensor or an
    iterable of them; those without a gradient are skipped. ``foreach`` is accepted for torch compatibility.

    >>> w = minigrad.zeros(2, requires_grad=True); w.grad = minigrad.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    if not isinstance(parameters, Tensor):
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    parameters = _as_list(parameters)
    total = get_total_norm([p.grad for p in parameters if p.grad is not None], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient elementwise into ``[-clip_value, clip_value]``, in place on ``.grad``."""
    clip_value = float(clip_value)
    for param in _as_list(parameters):
        grad = param.grad
        if grad is not None:
            np.clip(grad._data, -clip_value, clip_value, out=grad._data)
            grad._shared_version_counter()[0] += 1
