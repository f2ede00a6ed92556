"""Gradient utilities: clipping by total norm or by value, and resetting gradients.

>>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)   # between backward() and optimizer.step()
"""
import math

import numpy as np

from ..autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


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


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total norm is at most ``max_norm``; returns the total norm.

    The total norm is the ``norm_type``-norm of the per-gradient norms (the norm of all gradients concatenated).
    Gradients are multiplied by ``min(1, max_norm / (total + 1e-6))``. ``parameters`` is a Tensor or an iterable
    of them; those without a gradient are skipped. ``foreach`` is accepted for torch compatibility.

    >>> w = minigrad.zeros(2, requires_grad=True); w.grad = minigrad.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6, 0.8])
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    norms = np.array([_vector_norm(g._data, norm_type) for g in grads], dtype=np.result_type(*[g._data for g in grads]))
    total = np.asarray(_vector_norm(norms, norm_type), dtype=norms.dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    coefficient = np.minimum(total.dtype.type(max_norm) / (total + total.dtype.type(1e-6)), 1)
    if coefficient != 1:  # multiplying by exactly 1 would change nothing
        for grad in grads:
            grad._data = grad._data * coefficient.astype(grad._data.dtype)
    return Tensor._wrap(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient elementwise into ``[-clip_value, clip_value]`` (in place on ``.grad``)."""
    clip_value = float(clip_value)
    for param in _as_list(parameters):
        if param.grad is not None:
            param.grad._data = np.clip(param.grad._data, -clip_value, clip_value).astype(param.grad._data.dtype,
                                                                                         copy=False)
