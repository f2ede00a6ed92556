"""Tensor's operators and methods, bound from the ops onto ``Tensor`` (DeZero's ``setup_variable``, as a table).

The core (``minigrad.autograd``) defines the Tensor without a single op, so it never imports the ops; this module,
above both, fills in ``x + y``, ``x.exp()``, ``x.sum(dim)``, ``x[i] = v``... one line each. ``minigrad``'s
``__init__`` imports it, so every Tensor has them as soon as ``import minigrad`` returns.
"""

import numpy as np

from .. import _dtype, creation
from ..autograd.tensor import Tensor
from . import (
    activation,
    calculus,
    elementwise,
    histogram,
    inplace,
    linalg,
    nan_reduce,
    order_statistics,
    reduce,
    scan,
    search,
    shape,
    slicing,
    sorting,
    transcendental,
)


def _reflected(op):
    """``other (op) self`` for ``__rsub__``-style operators."""
    return lambda self, other: op(other, self)


def _comparison(numpy_op, symbol):
    method = lambda self, other: elementwise.compare(self, other, numpy_op)
    method.__doc__ = f"``self {symbol} other`` elementwise (broadcasting) as a bool tensor. Not differentiable."
    return method


def _bitwise(numpy_op, name):
    return lambda self, other: elementwise.bitwise(self, other, numpy_op, name)


def _cast(dtype):
    method = lambda self: elementwise.to(self, dtype)
    method.__doc__ = f"``self`` converted to {dtype} (``self`` when it already is). Gradient: ``g`` cast back."
    return method


def _with_alpha(op, symbol):
    method = lambda self, other, alpha=1: op(self, other if alpha == 1 else elementwise.mul(other, alpha))
    method.__doc__ = (
        f"``self {symbol} alpha · other``, broadcasting. Gradient: ``g`` to ``self``, ``{symbol}alpha · g`` to "
        "``other`` (each summed over its broadcast dims)."
    )
    return method


# a table: several short entries a line read better than one a line
# fmt: off
METHODS = {
    # arithmetic operators (a number times a tensor is the tensor times the number, as in torch)
    "__add__": elementwise.add, "__radd__": _reflected(elementwise.add),
    "__sub__": elementwise.sub, "__rsub__": _reflected(elementwise.sub),
    "__mul__": elementwise.mul, "__rmul__": elementwise.mul,
    "__truediv__": elementwise.div, "__rtruediv__": _reflected(elementwise.div),
    "__pow__": elementwise.pow, "__rpow__": _reflected(elementwise.pow),
    "__matmul__": linalg.matmul, "__rmatmul__": _reflected(linalg.matmul),
    "__neg__": elementwise.neg, "__pos__": lambda self: self, "__abs__": elementwise.abs,
    "__mod__": elementwise.remainder, "__rmod__": _reflected(elementwise.remainder),
    "__floordiv__": elementwise.floor_divide, "__rfloordiv__": _reflected(elementwise.floor_divide),
    "__contains__": lambda self, element: bool(elementwise.compare(self, element, np.equal)._data.any()),
    "__iadd__": inplace.add_, "__isub__": inplace.sub_, "__imul__": inplace.mul_, "__itruediv__": inplace.div_,
    # comparisons and bits (never differentiable)
    "__eq__": _comparison(np.equal, "=="), "__ne__": _comparison(np.not_equal, "!="),
    "__lt__": _comparison(np.less, "<"), "__le__": _comparison(np.less_equal, "<="),
    "__gt__": _comparison(np.greater, ">"), "__ge__": _comparison(np.greater_equal, ">="),
    "eq": _comparison(np.equal, "=="), "ne": _comparison(np.not_equal, "!="), "lt": _comparison(np.less, "<"),
    "le": _comparison(np.less_equal, "<="), "gt": _comparison(np.greater, ">"),
    "ge": _comparison(np.greater_equal, ">="),
    "__and__": _bitwise(np.bitwise_and, "and"), "__or__": _bitwise(np.bitwise_or, "or"),
    "__xor__": _bitwise(np.bitwise_xor, "xor"), "__invert__": elementwise.bitwise_not,
    # indexing
    "__getitem__": shape.index, "__setitem__": inplace.setitem,
    # elementwise
    "add": _with_alpha(elementwise.add, "+"), "sub": _with_alpha(elementwise.sub, "-"), "mul": elementwise.mul,
    "div": elementwise.div,
    "remainder": elementwise.remainder, "fmod": elementwise.fmod, "floor_divide": elementwise.floor_divide,
    "trunc": elementwise.trunc, "frac": elementwise.frac, "pow": elementwise.pow, "neg": elementwise.neg,
    "abs": elementwise.abs,
    "exp": elementwise.exp, "log": elementwise.log, "log1p": elementwise.log1p, "expm1": elementwise.expm1,
    "sqrt": elementwise.sqrt, "sin": elementwise.sin, "cos": elementwise.cos, "tan": transcendental.tan,
    "sinh": transcendental.sinh, "cosh": transcendental.cosh, "asin": transcendental.asin,
    "acos": transcendental.acos, "atan": transcendental.atan, "asinh": transcendental.asinh,
    "acosh": transcendental.acosh, "atanh": transcendental.atanh, "atan2": transcendental.atan2,
    "exp2": transcendental.exp2, "log2": transcendental.log2, "log10": transcendental.log10,
    "rsqrt": transcendental.rsqrt,
    "square": lambda self: elementwise.mul(self, self), "reciprocal": lambda self: elementwise.div(1.0, self),
    "clamp": elementwise.clamp, "clip": elementwise.clamp,
    "clamp_min": lambda self, min: elementwise.clamp(self, min, None),  # noqa: A006 - torch's argument name
    "clamp_max": lambda self, max: elementwise.clamp(self, None, max),  # noqa: A006
    "addcmul": elementwise.addcmul, "addcdiv": elementwise.addcdiv, "lerp": elementwise.lerp,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    "where": lambda self, condition, other: elementwise.where(condition, self, other),
    "masked_fill": elementwise.masked_fill, "sign": elementwise.sign, "floor": elementwise.floor,
    "ceil": elementwise.ceil, "round": elementwise.round, "isnan": elementwise.isnan, "isinf": elementwise.isinf,
    "isfinite": elementwise.isfinite, "logical_not": elementwise.logical_not,
    "logical_and": lambda self, other: elementwise.logical(self, other, np.logical_and),
    "logical_or": lambda self, other: elementwise.logical(self, other, np.logical_or),
    "logical_xor": lambda self, other: elementwise.logical(self, other, np.logical_xor),
    "isclose": elementwise.isclose, "allclose": elementwise.allclose, "equal": elementwise.equal,
    # activations
    "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
    # reductions
    "sum": reduce.sum, "mean": reduce.mean, "var": reduce.var, "std": reduce.std, "max": reduce.max,
    "min": reduce.min, "amax": reduce.amax, "amin": reduce.amin, "argmax": reduce.argmax, "argmin": reduce.argmin,
    "logsumexp": reduce.logsumexp, "norm": reduce.norm, "all": reduce.all, "any": reduce.any,
    "cumsum": reduce.cumsum, "prod": reduce.prod, "count_nonzero": reduce.count_nonzero,
    # sorting
    "sort": sorting.sort, "argsort": sorting.argsort, "topk": sorting.topk, "kthvalue": sorting.kthvalue,
    # shapes and views
    "reshape": shape.reshape, "view": shape.view, "view_as": lambda self, other: shape.view(self, other.shape),
    "reshape_as": lambda self, other: shape.reshape(self, other.shape), "flatten": shape.flatten,
    "squeeze": shape.squeeze, "unsqueeze": shape.unsqueeze, "transpose": shape.transpose, "t": shape.t,
    "permute": shape.permute, "expand": shape.expand,
    "expand_as": lambda self, other: shape.expand(self, *other.shape),
    "narrow": shape.narrow, "select": shape.select, "diagonal": shape.diagonal, "gather": shape.gather,
    "T": property(shape.reverse_dims), "mT": property(shape.matrix_transpose),
    "split": slicing.split, "chunk": slicing.chunk, "unbind": slicing.unbind, "flip": slicing.flip,
    "roll": slicing.roll, "repeat": slicing.repeat, "tril": slicing.tril, "triu": slicing.triu,
    "movedim": slicing.movedim, "moveaxis": slicing.movedim, "index_select": slicing.index_select,
    "masked_select": slicing.masked_select, "scatter": slicing.scatter, "scatter_add": slicing.scatter_add,
    "take_along_dim": slicing.take_along_dim, "repeat_interleave": slicing.repeat_interleave,
    "nonzero": slicing.nonzero, "argwhere": slicing.argwhere,
    # products
    "matmul": linalg.matmul, "mm": linalg.mm, "dot": linalg.dot, "bmm": linalg.bmm, "mv": linalg.mv,
    "outer": linalg.outer, "addmm": linalg.addmm,
    # copies and conversions
    "clone": elementwise.clone, "contiguous": elementwise.contiguous, "to": elementwise.to,
    "cpu": lambda self: self, "type_as": lambda self, other: elementwise.to(self, other.dtype),
    "float": _cast(_dtype.float32), "double": _cast(_dtype.float64), "half": _cast(_dtype.float16),
    "long": _cast(_dtype.int64), "int": _cast(_dtype.int32), "bool": _cast(_dtype.bool),
    "short": _cast(_dtype.int16), "char": _cast(_dtype.int8), "byte": _cast(_dtype.uint8), "type": elementwise.type_,
    "new_zeros": creation.new_zeros, "new_ones": creation.new_ones, "new_empty": creation.new_empty,
    "new_full": creation.new_full, "new_tensor": creation.new_tensor,
    # in-place
    "add_": inplace.add_, "sub_": inplace.sub_, "mul_": inplace.mul_, "div_": inplace.div_, "pow_": inplace.pow_,
    "clamp_": inplace.clamp_, "clip_": inplace.clamp_, "clamp_min_": inplace.clamp_min_,
    "clamp_max_": inplace.clamp_max_, "addcmul_": inplace.addcmul_, "addcdiv_": inplace.addcdiv_,
    "lerp_": inplace.lerp_, "masked_fill_": inplace.masked_fill_,
    "zero_": inplace.zero_, "fill_": inplace.fill_, "copy_": inplace.copy_, "relu_": inplace.relu_,
    "sigmoid_": inplace.sigmoid_, "tanh_": inplace.tanh_, "exp_": inplace.exp_, "log_": inplace.log_,
    "sqrt_": inplace.sqrt_, "neg_": inplace.neg_, "abs_": inplace.abs_,
    "uniform_": inplace.uniform_, "normal_": inplace.normal_, "random_": inplace.random_,
    "bernoulli_": inplace.bernoulli_,
    "tril_": lambda self, diagonal=0: inplace.apply_inplace(self, slicing.tril, diagonal),
    "triu_": lambda self, diagonal=0: inplace.apply_inplace(self, slicing.triu, diagonal),
    "scatter_": lambda self, dim, index, src: inplace.apply_inplace(self, slicing.scatter, dim, index, src),
    "scatter_add_": lambda self, dim, index, src: inplace.apply_inplace(self, slicing.scatter_add, dim, index, src),
    # scans, order statistics, nan-skipping reductions, search, histograms, differences
    "cumprod": scan.cumprod, "cummax": scan.cummax, "cummin": scan.cummin, "logcumsumexp": scan.logcumsumexp,
    "cumsum_": lambda self, dim, dtype=None: inplace.apply_inplace(self, reduce.cumsum, dim, dtype),
    "cumprod_": lambda self, dim, dtype=None: inplace.apply_inplace(self, scan.cumprod, dim, dtype),
    "median": order_statistics.median, "nanmedian": order_statistics.nanmedian, "mode": order_statistics.mode,
    "quantile": order_statistics.quantile, "nanquantile": order_statistics.nanquantile,
    "aminmax": order_statistics.aminmax, "nansum": nan_reduce.nansum, "nanmean": nan_reduce.nanmean,
    "msort": sorting.msort, "trace": reduce.trace, "unique": search.unique,
    "unique_consecutive": search.unique_consecutive, "bincount": histogram.bincount, "histc": histogram.histc,
    "histogram": histogram.histogram, "diff": calculus.diff,
}
# fmt: on

# the docstrings of the table's lambdas (a method bound to a named function shares that function's docstring)
# fmt: off
_LAMBDA_DOCS = {
    "square": "``self · self`` elementwise. Gradient: ``2·self·g``.",
    "reciprocal": "``1 / self`` elementwise. Gradient: ``-g / self²``.",
    "clamp_min": "``max(self, min)`` elementwise. Gradient: ``g`` where ``self ≥ min``, else zero.",
    "clamp_max": "``min(self, max)`` elementwise. Gradient: ``g`` where ``self ≤ max``, else zero.",
    "where": "``self`` where ``condition`` is True, else ``other`` (broadcasting). Gradient: ``g`` to the chosen one.",
    "logical_and": "``self and other`` elementwise (nonzero is True), a bool tensor. Not differentiable.",
    "logical_or": "``self or other`` elementwise (nonzero is True), a bool tensor. Not differentiable.",
    "logical_xor": "``self xor other`` elementwise (nonzero is True), a bool tensor. Not differentiable.",
    "view_as": "``self.view(other.shape)``. Gradient: ``g`` reshaped back.",
    "reshape_as": "``self.reshape(other.shape)``. Gradient: ``g`` reshaped back.",
    "expand_as": "``self.expand(*other.shape)``. Gradient: ``g`` summed over the expanded dims.",
    "cpu": "``self``: every tensor lives on the CPU.",
    "type_as": "``self`` converted to ``other``'s dtype. Gradient: ``g`` cast back.",
    "tril_": "Zero the elements above diagonal ``diagonal`` in place (``tril``); returns ``self``.",
    "triu_": "Zero the elements below diagonal ``diagonal`` in place (``triu``); returns ``self``.",
    "scatter_": "In place ``self[index[i][j]][j] = src[i][j]`` for ``dim = 0`` (``scatter``); returns ``self``.",
    "scatter_add_": "In place ``self[index[i][j]][j] += src[i][j]`` for ``dim = 0`` (``scatter_add``); returns "
    "``self``.",
    "cumsum_": "``self`` replaced in place by its running sums along ``dim`` (``cumsum``); returns ``self``.",
    "cumprod_": "``self`` replaced in place by its running products along ``dim`` (``cumprod``); returns ``self``.",
}
# fmt: on
for _name, _doc in _LAMBDA_DOCS.items():
    METHODS[_name].__doc__ = _doc

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
