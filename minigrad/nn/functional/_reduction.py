"""Machinery every loss shares: the ``reduction`` argument, the deprecated ``size_average``/``reduce`` pair,
and the checks whose wording PyTorch users recognise (broadcasting, unsupported dtypes).

>>> legacy_reduction(None, False, emit_warning=False)
'none'
>>> check_reduction("elementwise_mean")   # accepted with a deprecation warning
'mean'
"""

import warnings

from ..._dtype import torch_name as torch_dtype_name  # noqa: F401  (re-exported for the losses)

__all__ = [
    "legacy_reduction",
    "check_reduction",
    "resolve_reduction",
    "reduce_loss",
    "broadcast_shape",
    "torch_dtype_name",
    "format_size",
]

_LEGACY_WARNING = "size_average and reduce args will be deprecated, please use reduction='{}' instead."


def legacy_reduction(size_average, reduce, emit_warning=True):
    """Map the deprecated ``size_average``/``reduce`` flags to a reduction string (a missing flag counts as True).

    ``reduce=False`` gives ``'none'`` whatever ``size_average`` says; otherwise ``size_average=False`` gives
    ``'sum'`` and anything else ``'mean'``. Callers use it only when one of the two is not None, and then the
    result replaces ``reduction`` entirely, as in PyTorch. Emits torch's UserWarning unless told not to.
    """
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        result = "mean"
    elif reduce:
        result = "sum"
    else:
        result = "none"
    if emit_warning:
        warnings.warn(_LEGACY_WARNING.format(result), stacklevel=3)
    return result


def check_reduction(reduction, allowed=("none", "mean", "sum")):
    """Return ``reduction`` if it is one of ``allowed``, else raise torch's ValueError.

    ``'elementwise_mean'`` is the old name of ``'mean'``: accepted, with torch's deprecation warning, wherever
    ``'mean'`` is allowed.
    """
    if reduction == "elementwise_mean" and "mean" in allowed:
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", stacklevel=3)
        return "mean"
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def resolve_reduction(size_average, reduce, reduction, allowed=("none", "mean", "sum")):
    """The reduction a loss uses: the legacy flags' mapping when either is given, else the checked ``reduction``."""
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    return check_reduction(reduction, allowed)


def reduce_loss(loss, reduction):
    """Apply a checked ``reduction`` to an unreduced loss Tensor: itself, its sum, or its mean (nan when empty)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def broadcast_shape(*shapes):
    """The broadcast of ``shapes``, or torch's RuntimeError naming the first (innermost) clash.

    >>> broadcast_shape((2, 3), (4, 1, 3))
    (4, 2, 3)
    """
    result = ()
    for shape in shapes:
        ndim = max(len(result), len(shape))
        a = (1,) * (ndim - len(result)) + tuple(result)
        b = (1,) * (ndim - len(shape)) + tuple(shape)
        for i in range(ndim - 1, -1, -1):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                    f"non-singleton dimension {i}"
                )
        result = tuple(max(m, n) if min(m, n) != 0 else 0 for m, n in zip(a, b))
    return result


def format_size(shape):
    """A shape as torch prints it in messages: ``[2, 3]``."""
    return str(list(shape))
