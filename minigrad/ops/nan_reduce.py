"""Reductions that skip nans: ``nansum``, ``nanmean``.

A nan entry is replaced by zero (``masked_fill``, so it gets a zero gradient) before summing; ``nanmean`` divides by
the number of entries that are not nan.
"""

import numpy as np

from ._util import wrap
from .reduce import _reduction_axes, sum


def _zero_nans(x):
    if x._data.dtype.kind != "f":
        return x
    return x.masked_fill(wrap(np.isnan(x._data)), 0.0)


def nansum(x, dim=None, keepdim=False, *, dtype=None):
    """``Σ x`` over ``dim`` (None: all dims) counting nans as zero. Gradient: ``g`` broadcast back, zero at the nans.

    >>> minigrad.nansum(minigrad.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    if dtype is not None:
        x = x.to(dtype)
    return sum(_zero_nans(x), dim, keepdim)


def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    """The mean of the entries that are not nan, over ``dim`` (None: all dims): ``nansum(x) / count(not nan)``.
    Gradient: ``g / count`` broadcast back, zero at the nans.

    >>> minigrad.nanmean(minigrad.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got {x.dtype.name.capitalize()}"
        )
    axes = _reduction_axes(dim, x.ndim)
    count = np.sum(~np.isnan(x._data), axis=axes, keepdims=keepdim).astype(x._data.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum(_zero_nans(x), axes, keepdim) / wrap(count)
