"""``LinAlgError`` and the argument checks shared by ``minigrad.linalg``'s functions (torch's messages)."""

import numpy as np

from .. import _dtype


class LinAlgError(RuntimeError):
    """Raised when a decomposition or inverse cannot be computed (a singular or non positive-definite matrix);
    a ``RuntimeError``, as torch's ``torch.linalg.LinAlgError``.

    >>> issubclass(minigrad.linalg.LinAlgError, RuntimeError)
    True
    """


def check_float(A, name):
    """Raise torch's RuntimeError unless ``A`` holds float32 or float64."""
    if A._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_name(A._data.dtype).capitalize()}"
        )


def check_square(A, name, argument="A"):
    """Raise torch's RuntimeError unless ``A`` is a (batch of) square float matrices."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {argument} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: {argument} must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    check_float(A, name)


def check_same_dtype(first, second, message):
    """Raise torch's RuntimeError unless ``first`` and ``second`` have one dtype: ``message`` is torch's wording
    for the function, with ``{}`` where the two dtype names go (in that order)."""
    if first._data.dtype != second._data.dtype:
        raise RuntimeError(message.format(first.dtype.name.capitalize(), second.dtype.name.capitalize()))
