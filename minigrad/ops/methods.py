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
    arrange,
    calculus,
    elementary_special,
    elementwise,
    gamma,
    histogram,
    indexing,
    inplace,
    inplace_views,
    linalg,
    logic,
    nan_reduce,
    order_statistics,
    pointwise,
    reduce,
    sampling,
    scalar_first,
    scan,
    search,
    shape,
    slicing,
    sorting,
    special,
    strided,
    transcendental,
    windows,
)
from .covariance import corrcoef, cov
from .distances import dist
from .products import addbmm, addmv, addr, baddbmm, inner, kron, vdot


def _reflected(op):
    """``other (op) self`` for ``__rsub__``-style operators."""
    return lambda self, other: op(other, self)


def _comparison(numpy_op, symbol):
    method = lambda self, other: elementwise.compare(self, other, numpy_op)
    method.__doc__ = f"``self {symbol} other`` elementwise (broadcasting) as a bool tensor. Not differentiable."
    return method


def _cast(dtype):
    method = lambda self: elementwise.to(self, dtype)
    method.__doc__ = f"``self`` converted to {dtype} (``self`` when it already is). Gradient: ``g`` cast back."
    return method


def _inplace(op, name=None):
    """The in-place form ``self.name_(*args)`` of an out-of-place op (``name`` defaults to ``op``'s):
    ``op(self, *args)`` written into ``self``."""
    name = name or op.__name__
    method = lambda self, *args, **kwargs: inplace.apply_inplace(self, op, *args, **kwargs)
    method.__name__ = name + "_"
    method.__doc__ = f"In place ``self = self.{name}(...)``; returns ``self``. Gradient as ``{name}``."
    return method


def _polygamma(self, n):
    """``polygamma(n, self)``: the n-th derivative of the digamma function. Gradient: ``g · ψ⁽ⁿ⁺¹⁾(self)``.

    >>> minigrad.tensor([1.0, 2.0]).polygamma(1)
    tensor([1.6449, 0.6449])
    """
    return gamma.polygamma(n, self)


def _polygamma_(self, n):
    """In-place ``polygamma(n, self)``; returns ``self``. Gradient: as ``polygamma``.

    >>> minigrad.tensor([1.0, 2.0]).polygamma_(1)
    tensor([1.6449, 0.6449])
    """
    return inplace.apply_inplace(self, _polygamma, n)


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
    "eq": logic.eq, "ne": logic.ne, "lt": logic.lt, "le": logic.le, "gt": logic.gt, "ge": logic.ge,
    "__and__": logic.bitwise_and, "__or__": logic.bitwise_or, "__xor__": logic.bitwise_xor,
    "__invert__": logic.bitwise_not,
    # indexing
    "__getitem__": shape.index, "__setitem__": inplace.setitem,
    # elementwise
    "add": scalar_first.add, "sub": scalar_first.sub, "mul": elementwise.mul,
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
    "square": elementwise.square, "reciprocal": pointwise.reciprocal,
    "clamp": elementwise.clamp, "clip": elementwise.clamp,
    "clamp_min": lambda self, min: elementwise.clamp(self, min, None),  # noqa: A006 - torch's argument name
    "clamp_max": lambda self, max: elementwise.clamp(self, None, max),  # noqa: A006
    "addcmul": scalar_first.addcmul, "addcdiv": scalar_first.addcdiv, "lerp": elementwise.lerp,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    "where": lambda self, condition, other: elementwise.where(condition, self, other),
    "masked_fill": elementwise.masked_fill, "sign": elementwise.sign, "floor": elementwise.floor,
    "ceil": elementwise.ceil, "round": elementwise.round, "isnan": elementwise.isnan, "isinf": elementwise.isinf,
    "isfinite": elementwise.isfinite, "logical_not": elementwise.logical_not,
    "logical_and": logic.logical_and, "logical_or": logic.logical_or, "logical_xor": logic.logical_xor,
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
    "masked_select": slicing.masked_select, "scatter": indexing.scatter, "scatter_add": indexing.scatter_add,
    "take_along_dim": slicing.take_along_dim, "repeat_interleave": slicing.repeat_interleave,
    "nonzero": slicing.nonzero, "argwhere": slicing.argwhere,
    # products
    "matmul": linalg.matmul, "mm": linalg.mm, "dot": linalg.dot, "bmm": linalg.bmm, "mv": linalg.mv,
    "outer": linalg.outer, "addmm": linalg.addmm,
    "addmv": addmv, "addr": addr, "baddbmm": baddbmm, "addbmm": addbmm,
    "vdot": vdot, "inner": inner, "kron": kron, "dist": dist,
    "cov": cov, "corrcoef": corrcoef,
    "addmv_": lambda self, *args, **kwargs: inplace.apply_inplace(self, addmv, *args, **kwargs),
    "addr_": lambda self, *args, **kwargs: inplace.apply_inplace(self, addr, *args, **kwargs),
    "baddbmm_": lambda self, *args, **kwargs: inplace.apply_inplace(self, baddbmm, *args, **kwargs),
    "addbmm_": lambda self, *args, **kwargs: inplace.apply_inplace(self, addbmm, *args, **kwargs),
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
    "scatter_": lambda self, *args, **kwargs: inplace.apply_inplace(self, indexing.scatter, *args, **kwargs),
    "scatter_add_": lambda self, dim, index, src: inplace.apply_inplace(self, indexing.scatter_add, dim, index, src),
    # special functions and their in-place forms
    "lgamma": gamma.lgamma, "digamma": gamma.digamma, "polygamma": _polygamma, "mvlgamma": gamma.mvlgamma,
    "igamma": gamma.igamma, "igammac": gamma.igammac, "logit": elementary_special.logit,
    "sinc": elementary_special.sinc,
    "lgamma_": _inplace(gamma.lgamma), "digamma_": _inplace(gamma.digamma), "polygamma_": _polygamma_,
    "mvlgamma_": _inplace(gamma.mvlgamma), "igamma_": _inplace(gamma.igamma),
    "igammac_": _inplace(gamma.igammac), "logit_": _inplace(elementary_special.logit),
    "sinc_": _inplace(elementary_special.sinc),

    # shape, indexing and strided views (ops.arrange, ops.indexing, ops.strided)
    "as_strided": strided.as_strided, "as_strided_": strided.as_strided_, "broadcast_to": shape.broadcast_to,
    "as_strided_scatter": strided.as_strided_scatter, "diag": strided.diag,
    "diag_embed": strided.diag_embed, "diagflat": strided.diagflat, "diagonal_scatter": strided.diagonal_scatter,
    "select_scatter": strided.select_scatter, "slice_scatter": strided.slice_scatter,
    "dsplit": arrange.dsplit, "hsplit": arrange.hsplit, "vsplit": arrange.vsplit, "fliplr": arrange.fliplr,
    "flipud": arrange.flipud, "ravel": arrange.ravel, "rot90": arrange.rot90, "tile": arrange.tile,
    "split_with_sizes": arrange.split_with_sizes, "tensor_split": arrange.tensor_split,
    "unflatten": arrange.unflatten, "unsafe_chunk": arrange.unsafe_chunk, "unsafe_split": arrange.unsafe_split,
    "index_add": indexing.index_add, "index_fill": indexing.index_fill, "index_put": indexing.index_put,
    "index_reduce": indexing.index_reduce, "masked_scatter": indexing.masked_scatter, "put": indexing.put,
    "scatter_reduce": indexing.scatter_reduce, "take": indexing.take, "nonzero_static": indexing.nonzero_static,
    "index_add_": lambda self, *args, **kwargs: inplace.apply_inplace(self, indexing.index_add, *args, **kwargs),
    "index_fill_": lambda self, *args, **kwargs: inplace.apply_inplace(self, indexing.index_fill, *args, **kwargs),
    "index_put_": lambda self, *args, **kwargs: inplace.apply_inplace(self, indexing.index_put, *args, **kwargs),
    "index_reduce_": lambda self, *args, **kwargs: inplace.apply_inplace(
        self, indexing.index_reduce, *args, **kwargs
    ),
    "masked_scatter_": lambda self, *args, **kwargs: inplace.apply_inplace(
        self, indexing.masked_scatter, *args, **kwargs
    ),
    "put_": lambda self, *args, **kwargs: inplace.apply_inplace(self, indexing.put, *args, **kwargs),
    "bernoulli": sampling.bernoulli, "exponential_": inplace.exponential_, "geometric_": inplace.geometric_,
    "cauchy_": inplace.cauchy_, "log_normal_": inplace.log_normal_, "resize_as_": inplace.resize_as_,
    "new_empty_strided": creation.new_empty_strided,
    "scatter_reduce_": lambda self, *args, **kwargs: inplace.apply_inplace(
        self, indexing.scatter_reduce, *args, **kwargs
    ),

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
    "clamp_min": "``max(self, min)`` elementwise. Gradient: ``g`` where ``self ≥ min``, else zero.",
    "clamp_max": "``min(self, max)`` elementwise. Gradient: ``g`` where ``self ≤ max``, else zero.",
    "where": "``self`` where ``condition`` is True, else ``other`` (broadcasting). Gradient: ``g`` to the chosen one.",
    "view_as": "``self.view(other.shape)``. Gradient: ``g`` reshaped back.",
    "reshape_as": "``self.reshape(other.shape)``. Gradient: ``g`` reshaped back.",
    "expand_as": "``self.expand(*other.shape)``. Gradient: ``g`` summed over the expanded dims.",
    "cpu": "``self``: every tensor lives on the CPU. Gradient: ``g``.",
    "type_as": "``self`` converted to ``other``'s dtype. Gradient: ``g`` cast back.",
    "tril_": "Zero the elements above diagonal ``diagonal`` in place (``tril``); returns ``self``. Gradient: ``g`` "
    "on the kept triangle, zeros elsewhere.",
    "triu_": "Zero the elements below diagonal ``diagonal`` in place (``triu``); returns ``self``. Gradient: ``g`` "
    "on the kept triangle, zeros elsewhere.",
    "scatter_": "In place ``self[index[i][j]][j] = src[i][j]`` for ``dim = 0`` (``scatter``); returns ``self``. "
    "Gradient: ``g`` outside the written positions to the old values, ``g`` gathered at ``index`` to ``src``.",
    "scatter_add_": "In place ``self[index[i][j]][j] += src[i][j]`` for ``dim = 0`` (``scatter_add``); returns "
    "``self``. Gradient: ``g`` to the old values, ``g`` gathered at ``index`` to ``src``.",
    "addmv_": "In place ``self = beta · self + alpha · (mat @ vec)`` (``addmv``); returns ``self``. Gradient: as "
    "``addmv``.",
    "addr_": "In place ``self = beta · self + alpha · outer(vec1, vec2)`` (``addr``); returns ``self``. Gradient: "
    "as ``addr``.",
    "baddbmm_": "In place ``self = beta · self + alpha · (batch1 @ batch2)`` (``baddbmm``); returns ``self``. "
    "Gradient: as ``baddbmm``.",
    "addbmm_": "In place ``self = beta · self + alpha · Σ batch1[i] @ batch2[i]`` (``addbmm``); returns ``self``. "
    "Gradient: as ``addbmm``.",
    **{
        f"{name}_": f"In place ``{name}`` (see ``minigrad.{name}``); returns ``self``. Gradient: as ``{name}``."
        for name in ("index_add", "index_fill", "index_put", "index_reduce", "masked_scatter", "put", "scatter_reduce")
    },
    "cumsum_": "``self`` replaced in place by its running sums along ``dim`` (``cumsum``); returns ``self``. "
    "Gradient: as ``cumsum``.",
    "cumprod_": "``self`` replaced in place by its running products along ``dim`` (``cumprod``); returns ``self``. "
    "Gradient: as ``cumprod``.",
}
# fmt: on
for _name, _doc in _LAMBDA_DOCS.items():
    METHODS[_name].__doc__ = _doc

# examples of the methods whose docstrings are built here (tests/test_docstrings.py runs them: doctest's
# module walk does not reach the table's lambdas)
_EXAMPLES = {
    "square": ">>> minigrad.tensor([-2.0, 3.0]).square()\ntensor([4., 9.])",
    "clamp_min": ">>> minigrad.tensor([-1.0, 2.0]).clamp_min(0.0)\ntensor([0., 2.])",
    "clamp_max": ">>> minigrad.tensor([-1.0, 2.0]).clamp_max(0.0)\ntensor([-1.,  0.])",
    "where": ">>> minigrad.tensor([1.0, 2.0]).where(minigrad.tensor([True, False]), minigrad.tensor([0.0, 0.0]))\n"
    "tensor([1., 0.])",
    "view_as": ">>> minigrad.arange(6).view_as(minigrad.zeros(2, 3)).shape\n(2, 3)",
    "reshape_as": ">>> minigrad.arange(6).reshape_as(minigrad.zeros(3, 2)).shape\n(3, 2)",
    "expand_as": ">>> minigrad.tensor([1.0, 2.0]).expand_as(minigrad.zeros(3, 2)).shape\n(3, 2)",
    "cpu": ">>> minigrad.ones(2).cpu()\ntensor([1., 1.])",
    "type_as": ">>> minigrad.tensor([1, 2]).type_as(minigrad.zeros(1))\ntensor([1., 2.])",
    "tril_": ">>> minigrad.ones(2, 2).tril_()\ntensor([[1., 0.],\n        [1., 1.]])",
    "triu_": ">>> minigrad.ones(2, 2).triu_()\ntensor([[1., 1.],\n        [0., 1.]])",
    "scatter_": ">>> minigrad.zeros(3).scatter_(0, minigrad.tensor([2, 0]), minigrad.tensor([5.0, 6.0]))\n"
    "tensor([6., 0., 5.])",
    "scatter_add_": ">>> minigrad.zeros(3).scatter_add_(0, minigrad.tensor([2, 2]), minigrad.tensor([5.0, 6.0]))\n"
    "tensor([ 0.,  0., 11.])",
    "float": ">>> minigrad.tensor([1, 2]).float()\ntensor([1., 2.])",
    "double": ">>> minigrad.tensor([1, 2]).double()\ntensor([1., 2.], dtype=minigrad.float64)",
    "half": ">>> minigrad.tensor([1, 2]).half()\ntensor([1., 2.], dtype=minigrad.float16)",
    "long": ">>> minigrad.tensor([1.7, -1.7]).long()\ntensor([ 1, -1])",
    "int": ">>> minigrad.tensor([1.7, -1.7]).int()\ntensor([ 1, -1], dtype=minigrad.int32)",
    "short": ">>> minigrad.tensor([1.7, -1.7]).short()\ntensor([ 1, -1], dtype=minigrad.int16)",
    "char": ">>> minigrad.tensor([1.7, -1.7]).char()\ntensor([ 1, -1], dtype=minigrad.int8)",
    "byte": ">>> minigrad.tensor([1.7, 255.0]).byte()\ntensor([  1, 255], dtype=minigrad.uint8)",
    "bool": ">>> minigrad.tensor([0.0, 0.5]).bool()\ntensor([False,  True])",
    "addmv_": ">>> minigrad.ones(2).addmv_(minigrad.ones(2, 3), minigrad.ones(3), beta=2.0)\ntensor([5., 5.])",
    "addr_": ">>> minigrad.zeros(2, 2).addr_(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0]))\n"
    "tensor([[3., 4.],\n        [6., 8.]])",
    "baddbmm_": ">>> minigrad.ones(1, 2, 2).baddbmm_(minigrad.ones(1, 2, 3), minigrad.ones(1, 3, 2), alpha=0.5)\n"
    "tensor([[[2.5000, 2.5000],\n         [2.5000, 2.5000]]])",
    "addbmm_": ">>> minigrad.zeros(2, 2).addbmm_(minigrad.ones(4, 2, 3), minigrad.ones(4, 3, 2))\n"
    "tensor([[12., 12.],\n        [12., 12.]])",
    "index_add_": ">>> minigrad.zeros(3).index_add_(0, minigrad.tensor([0, 2, 0]), minigrad.tensor([1.0, 2.0, 3.0]))\n"
    "tensor([4., 0., 2.])",
    "index_fill_": ">>> minigrad.zeros(3).index_fill_(0, minigrad.tensor([0, 2]), 7.0)\ntensor([7., 0., 7.])",
    "index_put_": ">>> minigrad.zeros(3).index_put_((minigrad.tensor([2]),), minigrad.tensor([5.0]))\n"
    "tensor([0., 0., 5.])",
    "index_reduce_": ">>> src = minigrad.tensor([2.0, 3.0, 4.0])\n"
    ">>> minigrad.ones(3).index_reduce_(0, minigrad.tensor([0, 0, 2]), src, 'prod')\ntensor([6., 1., 4.])",
    "masked_scatter_": ">>> mask = minigrad.tensor([True, False, True])\n"
    ">>> minigrad.zeros(3).masked_scatter_(mask, minigrad.tensor([1.0, 2.0]))\ntensor([1., 0., 2.])",
    "put_": ">>> minigrad.zeros(2, 2).put_(minigrad.tensor([3]), minigrad.tensor([9.0]))\n"
    "tensor([[0., 0.],\n        [0., 9.]])",
    "scatter_reduce_": ">>> src = minigrad.tensor([1.0, 5.0, 2.0])\n"
    ">>> minigrad.zeros(2).scatter_reduce_(0, minigrad.tensor([0, 0, 1]), src, 'amax', include_self=False)\n"
    "tensor([5., 2.])",
    "lgamma_": ">>> minigrad.tensor([1.0, 3.0]).lgamma_()\ntensor([0.0000, 0.6931])",
    "digamma_": ">>> minigrad.tensor([1.0, 2.0]).digamma_()\ntensor([-0.5772,  0.4228])",
    "mvlgamma_": ">>> minigrad.tensor([1.0, 2.0]).mvlgamma_(1)\ntensor([0., 0.])",
    "igamma_": ">>> minigrad.tensor([1.0]).igamma_(minigrad.tensor([1.0]))\ntensor([0.6321])",
    "igammac_": ">>> minigrad.tensor([1.0]).igammac_(minigrad.tensor([1.0]))\ntensor([0.3679])",
    "logit_": ">>> minigrad.tensor([0.5, 0.75]).logit_()\ntensor([0.0000, 1.0986])",
    "sinc_": ">>> minigrad.tensor([0.0, 0.5]).sinc_()\ntensor([1.0000, 0.6366])",
    "cumsum_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).cumsum_(0)\ntensor([1., 3., 6.])",
    "cumprod_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).cumprod_(0)\ntensor([1., 2., 6.])",
}
for _name, _example in _EXAMPLES.items():
    METHODS[_name].__doc__ += "\n\n" + _example


# ---------------------------------------------------------------- pointwise ops: torch's aliases and in-place forms
def _float_power_(self, exponent):
    """In place ``self = self.float_power(exponent)``; ``self`` must be float64 (the result's dtype), as in torch.
    Gradient: as ``float_power``.

    >>> minigrad.tensor([2.0, 3.0], dtype=minigrad.float64).float_power_(2)
    tensor([4., 9.], dtype=minigrad.float64)
    """
    if self._data.dtype != np.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_dtype.torch_name(self._data.dtype)} but the operation's "
            "result requires dtype Double"
        )
    return inplace.apply_inplace(self, pointwise.float_power, exponent)


_ALIASES = {  # torch's second names for ops the table above has
    "absolute": "abs",
    "arccos": "acos",
    "arcsin": "asin",
    "arctan": "atan",
    "arccosh": "acosh",
    "arcsinh": "asinh",
    "arctanh": "atanh",
    "arctan2": "atan2",
    "divide": "div",
    "true_divide": "div",
    "multiply": "mul",
    "subtract": "sub",
    "negative": "neg",
    "fix": "trunc",
    "greater": "gt",
    "greater_equal": "ge",
    "less": "lt",
    "less_equal": "le",
    "not_equal": "ne",
}
# fmt: off
POINTWISE_METHODS = {
    "__rand__": logic.bitwise_and, "__ror__": logic.bitwise_or, "__rxor__": logic.bitwise_xor,
    "__lshift__": logic.bitwise_left_shift, "__rshift__": logic.bitwise_right_shift,
    "__rlshift__": _reflected(logic.bitwise_left_shift), "__rrshift__": _reflected(logic.bitwise_right_shift),
    "bitwise_and": logic.bitwise_and, "bitwise_or": logic.bitwise_or, "bitwise_xor": logic.bitwise_xor,
    "bitwise_not": logic.bitwise_not, "bitwise_left_shift": logic.bitwise_left_shift,
    "bitwise_right_shift": logic.bitwise_right_shift, "gcd": logic.gcd, "lcm": logic.lcm,
    "heaviside": logic.heaviside, "isposinf": logic.isposinf, "isneginf": logic.isneginf, "signbit": logic.signbit,
    "copysign": pointwise.copysign, "hypot": pointwise.hypot, "logaddexp": pointwise.logaddexp,
    "logaddexp2": pointwise.logaddexp2, "fmax": pointwise.fmax, "fmin": pointwise.fmin,
    "nextafter": pointwise.nextafter, "ldexp": pointwise.ldexp, "float_power": pointwise.float_power,
    "frexp": pointwise.frexp, "deg2rad": pointwise.deg2rad, "rad2deg": pointwise.rad2deg, "sgn": pointwise.sgn,
    "positive": pointwise.positive, "nan_to_num": pointwise.nan_to_num, "renorm": pointwise.renorm,
    "erf": activation.erf, "erfc": special.erfc, "erfinv": special.erfinv, "i0": special.i0,
    "xlogy": elementwise.xlogy,
    **{alias: METHODS[name] for alias, name in _ALIASES.items()},
}
# fmt: on
POINTWISE_METHODS.update(
    {
        f"{name}_": _inplace(POINTWISE_METHODS.get(name) or METHODS[name], name)
        for name in (
            "eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor "
            "logical_not bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift gcd "
            "lcm heaviside copysign hypot nextafter ldexp deg2rad rad2deg sgn nan_to_num renorm reciprocal erf "
            "erfc erfinv i0 xlogy absolute acos arccos asin arcsin atan arctan acosh arccosh asinh arcsinh atanh "
            "arctanh atan2 arctan2 ceil floor round trunc fix frac sign sin cos tan sinh cosh exp2 expm1 log10 "
            "log1p log2 rsqrt square fmod remainder floor_divide divide true_divide multiply subtract negative"
        ).split()
    }
)
POINTWISE_METHODS.update(
    {
        "__iand__": POINTWISE_METHODS["bitwise_and_"],
        "__ior__": POINTWISE_METHODS["bitwise_or_"],
        "__ixor__": POINTWISE_METHODS["bitwise_xor_"],
        "__ilshift__": POINTWISE_METHODS["bitwise_left_shift_"],
        "__irshift__": POINTWISE_METHODS["bitwise_right_shift_"],
        "float_power_": _float_power_,
    }
)
METHODS.update(POINTWISE_METHODS)

# shape ops: torch's aliases, sum_to_size, unfold and the in-place forms that change a tensor's shape
# fmt: off
METHODS.update({
    "swapaxes": shape.swapaxes, "swapdims": shape.transpose, "sum_to_size": reduce.sum_to_size,
    "unfold": windows.unfold, "multinomial": creation.multinomial, "resize_": inplace.resize_,
    "squeeze_": inplace_views.squeeze_, "unsqueeze_": inplace_views.unsqueeze_, "t_": inplace_views.t_,
    "transpose_": inplace_views.transpose_, "swapaxes_": inplace_views.swapaxes_,
    "swapdims_": inplace_views.swapdims_, "addmm_": _inplace(linalg.addmm),
})
# fmt: on

# examples of the in-place forms ``_inplace`` builds (tests/test_docstrings.py runs them)
_INPLACE_EXAMPLES = {
    "acos_": ">>> minigrad.tensor([0.0, 0.5]).acos_()\ntensor([1.5708, 1.0472])",
    "arccos_": ">>> minigrad.tensor([0.0, 0.5]).arccos_()\ntensor([1.5708, 1.0472])",
    "asin_": ">>> minigrad.tensor([0.0, 0.5]).asin_()\ntensor([0.0000, 0.5236])",
    "arcsin_": ">>> minigrad.tensor([0.0, 0.5]).arcsin_()\ntensor([0.0000, 0.5236])",
    "atanh_": ">>> minigrad.tensor([0.0, 0.5]).atanh_()\ntensor([0.0000, 0.5493])",
    "arctanh_": ">>> minigrad.tensor([0.0, 0.5]).arctanh_()\ntensor([0.0000, 0.5493])",
    "erfinv_": ">>> minigrad.tensor([0.0, 0.5]).erfinv_()\ntensor([0.0000, 0.4769])",
    "atan_": ">>> minigrad.tensor([0.0, 1.0]).atan_()\ntensor([0.0000, 0.7854])",
    "arctan_": ">>> minigrad.tensor([0.0, 1.0]).arctan_()\ntensor([0.0000, 0.7854])",
    "asinh_": ">>> minigrad.tensor([0.0, 1.0]).asinh_()\ntensor([0.0000, 0.8814])",
    "arcsinh_": ">>> minigrad.tensor([0.0, 1.0]).arcsinh_()\ntensor([0.0000, 0.8814])",
    "acosh_": ">>> minigrad.tensor([1.0, 2.0]).acosh_()\ntensor([0.0000, 1.3170])",
    "arccosh_": ">>> minigrad.tensor([1.0, 2.0]).arccosh_()\ntensor([0.0000, 1.3170])",
    "ceil_": ">>> minigrad.tensor([-1.5, 2.75]).ceil_()\ntensor([-1.,  3.])",
    "floor_": ">>> minigrad.tensor([-1.5, 2.75]).floor_()\ntensor([-2.,  2.])",
    "round_": ">>> minigrad.tensor([-1.5, 2.75]).round_()\ntensor([-2.,  3.])",
    "trunc_": ">>> minigrad.tensor([-1.5, 2.75]).trunc_()\ntensor([-1.,  2.])",
    "fix_": ">>> minigrad.tensor([-1.5, 2.75]).fix_()\ntensor([-1.,  2.])",
    "frac_": ">>> minigrad.tensor([-1.5, 2.75]).frac_()\ntensor([-0.5000,  0.7500])",
    "sign_": ">>> minigrad.tensor([-1.5, 2.75]).sign_()\ntensor([-1.,  1.])",
    "sgn_": ">>> minigrad.tensor([-1.5, 2.75]).sgn_()\ntensor([-1.,  1.])",
    "sin_": ">>> minigrad.tensor([0.0]).sin_()\ntensor([0.])",
    "tan_": ">>> minigrad.tensor([0.0]).tan_()\ntensor([0.])",
    "sinh_": ">>> minigrad.tensor([0.0]).sinh_()\ntensor([0.])",
    "expm1_": ">>> minigrad.tensor([0.0]).expm1_()\ntensor([0.])",
    "log1p_": ">>> minigrad.tensor([0.0]).log1p_()\ntensor([0.])",
    "erf_": ">>> minigrad.tensor([0.0]).erf_()\ntensor([0.])",
    "i0_": ">>> minigrad.tensor([0.0]).i0_()\ntensor([1.])",
    "cos_": ">>> minigrad.tensor([0.0]).cos_()\ntensor([1.])",
    "cosh_": ">>> minigrad.tensor([0.0]).cosh_()\ntensor([1.])",
    "erfc_": ">>> minigrad.tensor([0.0]).erfc_()\ntensor([1.])",
    "exp2_": ">>> minigrad.tensor([0.0, 3.0]).exp2_()\ntensor([1., 8.])",
    "log2_": ">>> minigrad.tensor([1.0, 8.0]).log2_()\ntensor([0., 3.])",
    "log10_": ">>> minigrad.tensor([1.0, 100.0]).log10_()\ntensor([0.0000, 2.0000])",
    "rsqrt_": ">>> minigrad.tensor([1.0, 4.0]).rsqrt_()\ntensor([1.0000, 0.5000])",
    "reciprocal_": ">>> minigrad.tensor([2.0, 4.0]).reciprocal_()\ntensor([0.5000, 0.2500])",
    "square_": ">>> minigrad.tensor([-2.0, 3.0]).square_()\ntensor([4., 9.])",
    "deg2rad_": ">>> minigrad.tensor([180.0]).deg2rad_()\ntensor([3.1416])",
    "rad2deg_": ">>> minigrad.tensor([3.141592653589793]).rad2deg_()\ntensor([180.])",
    "absolute_": ">>> minigrad.tensor([-1.0, 2.0]).absolute_()\ntensor([1., 2.])",
    "negative_": ">>> minigrad.tensor([-1.0, 2.0]).negative_()\ntensor([ 1., -2.])",
    "nan_to_num_": ">>> minigrad.tensor([float('nan'), 1.0]).nan_to_num_()\ntensor([0., 1.])",
    "copysign_": ">>> minigrad.tensor([1.0, 2.0]).copysign_(-1.0)\ntensor([-1., -2.])",
    "hypot_": ">>> minigrad.tensor([3.0, 5.0]).hypot_(minigrad.tensor([4.0, 12.0]))\ntensor([ 5., 13.])",
    "nextafter_": ">>> (minigrad.tensor([1.0]).nextafter_(minigrad.tensor([2.0])) - 1.0) * 2.0**23\ntensor([1.])",
    "ldexp_": ">>> minigrad.tensor([1.0, 3.0]).ldexp_(minigrad.tensor([2, 1]))\ntensor([4., 6.])",
    "atan2_": ">>> minigrad.tensor([1.0, 0.0]).atan2_(minigrad.tensor([0.0, 1.0]))\ntensor([1.5708, 0.0000])",
    "arctan2_": ">>> minigrad.tensor([1.0, 0.0]).arctan2_(minigrad.tensor([0.0, 1.0]))\ntensor([1.5708, 0.0000])",
    "fmod_": ">>> minigrad.tensor([-7.0, 7.0]).fmod_(3.0)\ntensor([-1.,  1.])",
    "remainder_": ">>> minigrad.tensor([-7.0, 7.0]).remainder_(3.0)\ntensor([2., 1.])",
    "floor_divide_": ">>> minigrad.tensor([-7.0, 7.0]).floor_divide_(2.0)\ntensor([-4.,  3.])",
    "divide_": ">>> minigrad.tensor([1.0, 3.0]).divide_(2.0)\ntensor([0.5000, 1.5000])",
    "true_divide_": ">>> minigrad.tensor([1.0, 3.0]).true_divide_(2.0)\ntensor([0.5000, 1.5000])",
    "multiply_": ">>> minigrad.tensor([1.0, 3.0]).multiply_(2.0)\ntensor([2., 6.])",
    "subtract_": ">>> minigrad.tensor([1.0, 3.0]).subtract_(2.0)\ntensor([-1.,  1.])",
    "xlogy_": ">>> minigrad.tensor([0.0, 2.0]).xlogy_(minigrad.tensor([0.0, 1.0]))\ntensor([0., 0.])",
    "heaviside_": ">>> minigrad.tensor([-1.0, 0.0, 2.0]).heaviside_(minigrad.tensor([0.5]))\n"
    "tensor([0.0000, 0.5000, 1.0000])",
    "eq_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).eq_(2.0)\ntensor([0., 1., 0.])",
    "ne_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).ne_(2.0)\ntensor([1., 0., 1.])",
    "lt_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).lt_(2.0)\ntensor([1., 0., 0.])",
    "le_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).le_(2.0)\ntensor([1., 1., 0.])",
    "gt_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).gt_(2.0)\ntensor([0., 0., 1.])",
    "ge_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).ge_(2.0)\ntensor([0., 1., 1.])",
    "greater_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).greater_(2.0)\ntensor([0., 0., 1.])",
    "greater_equal_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).greater_equal_(2.0)\ntensor([0., 1., 1.])",
    "less_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).less_(2.0)\ntensor([1., 0., 0.])",
    "less_equal_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).less_equal_(2.0)\ntensor([1., 1., 0.])",
    "not_equal_": ">>> minigrad.tensor([1.0, 2.0, 3.0]).not_equal_(2.0)\ntensor([1., 0., 1.])",
    "logical_and_": ">>> minigrad.tensor([0.0, 1.0, 2.0]).logical_and_(minigrad.tensor([1.0, 1.0, 0.0]))\n"
    "tensor([0., 1., 0.])",
    "logical_or_": ">>> minigrad.tensor([0.0, 1.0, 2.0]).logical_or_(minigrad.tensor([1.0, 1.0, 0.0]))\n"
    "tensor([1., 1., 1.])",
    "logical_xor_": ">>> minigrad.tensor([0.0, 1.0, 2.0]).logical_xor_(minigrad.tensor([1.0, 1.0, 0.0]))\n"
    "tensor([1., 0., 1.])",
    "logical_not_": ">>> minigrad.tensor([0.0, 2.0]).logical_not_()\ntensor([1., 0.])",
    "bitwise_and_": ">>> minigrad.tensor([12, 10]).bitwise_and_(6)\ntensor([4, 2])",
    "bitwise_or_": ">>> minigrad.tensor([12, 10]).bitwise_or_(6)\ntensor([14, 14])",
    "bitwise_xor_": ">>> minigrad.tensor([12, 10]).bitwise_xor_(6)\ntensor([10, 12])",
    "bitwise_not_": ">>> minigrad.tensor([0, 5]).bitwise_not_()\ntensor([-1, -6])",
    "bitwise_left_shift_": ">>> minigrad.tensor([4, 8]).bitwise_left_shift_(1)\ntensor([ 8, 16])",
    "bitwise_right_shift_": ">>> minigrad.tensor([4, 8]).bitwise_right_shift_(1)\ntensor([2, 4])",
    "gcd_": ">>> minigrad.tensor([12, 10]).gcd_(minigrad.tensor([8, 4]))\ntensor([4, 2])",
    "lcm_": ">>> minigrad.tensor([12, 10]).lcm_(minigrad.tensor([8, 4]))\ntensor([24, 20])",
    "renorm_": ">>> minigrad.tensor([[3.0, 4.0], [0.0, 0.5]]).renorm_(2, 0, 1.0)\n"
    "tensor([[0.6000, 0.8000],\n        [0.0000, 0.5000]])",
    "addmm_": ">>> minigrad.ones(2, 2).addmm_(minigrad.ones(2, 3), minigrad.ones(3, 2), beta=0.5)\n"
    "tensor([[3.5000, 3.5000],\n        [3.5000, 3.5000]])",
}
for _name, _example in _INPLACE_EXAMPLES.items():
    METHODS[_name].__doc__ += "\n\n" + _example

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
